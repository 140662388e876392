// The whole product as people use it, in Chromium: an administrator installs the tool and
// registers the LMS by dynamic registration; a teacher, inside the LMS's iframe, designs,
// publishes and places a micro-credential; a learner hands in evidence; the teacher scores
// and accepts; the learner gets the badge, downloads it, verifies it in a new tab and
// answers the survey; the LMS holds the grade; the teacher revokes and verification says
// so. Every page a journey visits is checked with axe and for fitting a 360 px frame, and a
// screenshot of each step is saved under test-results/journeys/, named by the journey, which
// is one per LMS profile: journeys.moodle.test.ts and journeys.canvas.test.ts each define it,
// so jest runs the two on its two workers.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FileChooser } from 'playwright-core';
import sharp from 'sharp';
import { PDF } from '../assessment/support';
import {
  axeViolations,
  blockThirdPartyCookies,
  dropCookiesInFrames,
  Journey,
  launchChromium,
  toolFrame,
  type Browser,
  type Frame,
  type Page,
} from '../support/chromium';
import type { LmsProfileName } from '../support/lmsProfiles';
import { CANVAS_ACCOUNT_NAME, placedLinkHint, PlatformSimulator } from '../support/platformSimulator';
import { startTestTool, type TestTool } from '../support/tool';
import { fill, follow, lmsMessagesSoFar, navigation, registrationFrame, submit, toggle, visibleText } from './support';

const ADMIN = { email: 'admin@uni.example', password: 'correct horse battery staple' };
const CREDENTIAL_TITLE = 'Laboratory practice';
/** The designed badge's background: pale yellow, which needs dark text. */
const BADGE_BACKGROUND = '#FDE68A';
/** The designed badge as the teacher sees it, and the baked PNG the learner downloads. */
const BADGE_SHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'badges');

/** The whole journey against a simulated LMS of this profile, as one jest file's tests. */
export function defineJourney(profileName: Extract<LmsProfileName, 'moodle-4.5' | 'canvas'>): void {
  let tool: TestTool;
  let sim: PlatformSimulator;
  let browser: Browser;
  const journey = new Journey(`journey-${profileName}`);
  const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

  beforeAll(async () => {
    // The simulated LMS runs on loopback, an internal address the fetch guard refuses unless
    // allowed: as for an institution whose LMS is on its own network.
    tool = await startTestTool({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
    sim = await new PlatformSimulator(profileName).start();
    browser = await launchChromium();
  }, 60000);

  afterAll(async () => {
    journey.writeSummary();
    await browser?.close();
    await tool?.stop();
    await sim?.stop();
  });

  /** A person at the LMS's course page, with the tool in its iframe. */
  async function openCourse(page: Page, user: string, hint = 'resource-link'): Promise<Frame> {
    await page.goto(`${sim.issuer}/course?user=${user}&hint=${hint}`);
    const frame = await toolFrame(page);
    try {
      await frame.waitForURL(/\/app\/[^/]+/, { timeout: 15000 });
    } catch (e) {
      throw new Error(
        `the launch in the LMS frame did not reach the tool's page; the frame shows ${frame.url()}:\n${(await visibleText(frame).catch(() => '')).slice(0, 1000)}`,
      );
    }
    await frame.waitForLoadState('load');
    return frame;
  }

  /** axe and the 360 px check on the page a step ended on. */
  async function check(step: string, target: Page | Frame) {
    await journey.checkAccessibility(step, target);
  }

  // Shared between the journey's acts, in order.
  let credentialPath = '';

  it('1 · the administrator sets up the tool and registers the LMS by dynamic registration', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const token = (await tool.accounts.issueSetupToken())!;
    await journey.step('first-run set-up link creates the administrator', page, async () => {
      await page.goto(`${tool.base}/admin/setup/${token}`);
      await check('set-up', page);
      await submit(page, `/admin/setup/${token}`, { email: ADMIN.email, password: ADMIN.password, confirm: ADMIN.password });
      expect(new URL(page.url()).pathname).toMatch(/^\/admin/);
    });
    await journey.step('issuer profile and a signing key', page, async () => {
      await page.goto(`${tool.base}/admin/issuer`);
      await check('issuer profile', page);
      await submit(page, '/admin/issuer', { name: 'Example University', url: 'https://www.uni.example', countryCode: 'NL' });
      await page.goto(`${tool.base}/admin/keys`);
      page.once('dialog', (d) => void d.accept()); // "Generate a new signing key?"
      await submit(page, '/admin/keys');
      await check('signing keys', page);
      expect(await visibleText(page)).toMatch(/Ed25519|active/i);
    });
    let link = '';
    await journey.step('a one-time dynamic registration link', page, async () => {
      await page.goto(`${tool.base}/admin`);
      await check('console', page);
      await submit(page, '/admin/registrations');
      link = await page.locator('#reg-link').inputValue();
      expect(link).toContain('/lti/register?reg=');
    });
    let registration: Frame;
    await journey.step(`the LMS administrator pastes it into ${sim.profile.name}, which frames microcred: it shows what was registered`, page, async () => {
      await page.goto(`${sim.issuer}/admin/tool/register`);
      await submit(page, '/admin/tool/register', { url: link });
      registration = await registrationFrame(page);
      const text = await visibleText(registration);
      // What to do next differs: Moodle lists the tool as pending until the admin activates it;
      // Canvas reviews what the tool asks for and turns launches on with Install App.
      const next =
        sim.flavour === 'canvas'
          ? [`Canvas (${CANVAS_ACCOUNT_NAME})`, 'Install App']
          : ['Moodle 4.5+ (Build: 20241205)', 'Activate', 'LTI External tools', 'Show in activity chooser'];
      for (const item of ['microcred is registered', sim.issuer, sim.clientId, sim.deploymentId, 'Send grades', 'Read the course roster', ...next])
        expect(text).toContain(item);
      await check('registration result', registration);
      // The LMS drops the frame on org.imsglobal.lti.close: microcred must not send it by itself.
      expect(await lmsMessagesSoFar(page, registration)).toEqual([]);
    });
    if (sim.flavour === 'canvas') {
      await journey.step("the admin's Close sends org.imsglobal.lti.close; Canvas shows its review; the admin installs the app", page, async () => {
        // Canvas takes the message only from the tool's origin and moves on to its review.
        await navigation(page, () => registration.locator('#close-registration').press('Enter'));
        expect(new URL(page.url()).pathname).toBe('/admin/tool/register/review');
        expect(await page.locator('#privacy-level').innerText()).toBe('public');
        await submit(page, '/admin/tool/install');
        expect(await page.locator('#tool-state').innerText()).toContain('Installed');
      });
    } else {
      await journey.step("the admin's Close sends org.imsglobal.lti.close; Moodle lists the tool as pending; the admin activates it", page, async () => {
        // Moodle's page takes the message, drops the frame and reloads its tool list.
        await navigation(page, () => registration.locator('#close-registration').press('Enter'));
        expect(await page.locator('iframe#registration').count()).toBe(0);
        await page.locator('#tool-state', { hasText: 'Pending' }).waitFor();
        await submit(page, '/admin/tool/install');
        await page.locator('#tool-state', { hasText: 'Active' }).waitFor();
      });
    }
    await journey.step('the console lists the LMS', page, async () => {
      await page.goto(`${tool.base}/admin`);
      expect(await visibleText(page)).toContain(sim.issuer);
    });
  }, 120000);

  it('2 · the teacher designs, publishes and places a micro-credential inside the LMS', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
    let frame = await openCourse(page, 'instructor');
    await journey.step('the course dashboard opens in the LMS frame', page, async () => {
      expect(await visibleText(frame)).toContain('Micro-credentials in this course');
      await check('course dashboard', frame);
    });
    const base = new URL(frame.url()).pathname;
    await journey.step('course outcomes from a CSV paste', page, async () => {
      await frame.goto(`${tool.base}${base}/outcomes/import`);
      await submit(frame, '/outcomes/import/preview', { csv: 'code,title\nCO1,Handle lab equipment safely\nCO2,Report results clearly\n' });
      await check('outcome import preview', frame);
      await submit(frame, '/outcomes/import');
      expect(await visibleText(frame)).toContain('Outcomes imported.');
      await check('outcomes', frame);
    });
    await journey.step('a micro-credential with every mandatory element', page, async () => {
      await frame.goto(`${tool.base}${base}/credentials`);
      await check('credential list', frame);
      await submit(frame, `${base}/credentials`);
      await check('credential form', frame);
      credentialPath = new URL(frame.url()).pathname.replace(/\/edit$/, '');
      await submit(frame, credentialPath, {
        title: CREDENTIAL_TITLE,
        'issuer-countries': 'NL',
        'awarding-bodies': 'Example University',
        'workload-ects': '3',
        'level-eqf': '6',
        'assessment-type': 'portfolio',
        'participation-type': 'onsite or blended',
        'quality-assurance-type': 'internal quality assurance',
        'supervision-type': 'onsite with identity verification',
      });
      expect(await visibleText(frame)).toContain('things to complete before publishing');
    });
    await journey.step('learning outcomes mapped to the course outcomes', page, async () => {
      await frame.goto(`${tool.base}${credentialPath}/outcomes`);
      const courseOutcome = async (i: number) => (await frame.locator('[name="courseOutcomeIds"]').nth(i).getAttribute('value'))!;
      await submit(frame, `${credentialPath}/outcomes`, { statement: 'I can run a lab experiment safely', courseOutcomeIds: true });
      await fill(frame, `${credentialPath}/outcomes`, { statement: 'I can report results clearly' });
      const second = await courseOutcome(1);
      await toggle(frame.locator(`form[action$="${credentialPath}/outcomes"] [name="courseOutcomeIds"]`).first(), false);
      await toggle(frame.locator(`form[action$="${credentialPath}/outcomes"] [name="courseOutcomeIds"][value="${second}"]`), true);
      await submit(frame, `${credentialPath}/outcomes`);
      expect(await visibleText(frame)).not.toContain('is not mapped');
      await check('learning outcomes and mapping', frame);
    });
    await journey.step('a four-level rubric, one criterion per learning outcome', page, async () => {
      await frame.goto(`${tool.base}${credentialPath}/rubric`);
      await check('rubric', frame);
      const los = await frame
        .locator('form[action$="/rubric/criteria"] input[type="checkbox"][name^="lo_"]')
        .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).name));
      expect(los).toHaveLength(2);
      for (const [i, lo] of los.entries()) {
        if (i > 0) await frame.goto(`${tool.base}${credentialPath}/rubric`);
        const levels = Object.fromEntries(
          ['Beginning', 'Developing', 'Proficient', 'Excellent'].flatMap((t, j) => [
            [`l${j + 1}_title`, t],
            [`l${j + 1}_descriptor`, `${t} work`],
            [`l${j + 1}_points`, String(j + 1)],
          ]),
        );
        await submit(frame, '/rubric/criteria', {
          title: `Criterion ${i + 1}`,
          [lo]: true,
          ...levels,
          passLevel: '3',
          ev_file: '1',
          fileTypes: 'pdf',
          maxFileSizeMb: '10',
        });
      }
    });
    await journey.step('the badge image designed from a template: shape, colours with a contrast check, icon; title and level in the image', page, async () => {
      await frame.goto(`${tool.base}${credentialPath}/image`);
      await check('badge image page', frame);
      // White on pale yellow cannot be read: refused, and the form keeps what was typed.
      await submit(frame, '/image/design', { shape: 'shield', background: BADGE_BACKGROUND, foreground: '#FFFFFF', icon: 'book' });
      expect(await visibleText(frame)).toContain('it needs at least 4.5:1');
      expect(await frame.locator('[name="background"]').inputValue()).toBe(BADGE_BACKGROUND);
      expect(await frame.locator('[name="shape"][value="shield"]').isChecked()).toBe(true);
      await submit(frame, '/image/design', { foreground: '#1F2937' });
      expect(await visibleText(frame)).toContain('Badge image saved in the draft.');
      const image = frame.locator('#badge-image');
      await frame.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('#badge-image');
        return Boolean(img?.complete && img.naturalWidth === 300);
      });
      mkdirSync(BADGE_SHOTS, { recursive: true });
      // What the teacher sees: the page, clipped to the image (element screenshots do not reach into the LMS's cross-site frame).
      // The image's box within the frame, plus the frame's box within the LMS page.
      const inFrame = await image.evaluate((img) => {
        img.scrollIntoView({ block: 'center' });
        const r = img.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      });
      const frameBox = await page.locator('iframe#tool').evaluate((el) => {
        el.scrollIntoView({ block: 'nearest' });
        const r = el.getBoundingClientRect();
        return { x: r.x + el.clientLeft, y: r.y + el.clientTop };
      });
      await page.screenshot({
        path: path.join(BADGE_SHOTS, `designed-badge-${profileName}.png`),
        clip: { x: frameBox.x + inFrame.x, y: frameBox.y + inFrame.y, width: inFrame.width, height: inFrame.height },
      });
      await check('badge image saved', frame);
    });
    await journey.step('the readiness panel turns green; publish', page, async () => {
      await frame.goto(`${tool.base}${credentialPath}`);
      await frame.locator('.readiness.ready').waitFor();
      expect(await visibleText(frame)).toContain('Every mandatory element is present');
      await check('credential page', frame);
      await submit(frame, '/publish');
      expect(await visibleText(frame)).toContain('Published.');
    });
    await journey.step('placed in the course through deep linking', page, async () => {
      frame = await openCourse(page, 'instructor', 'deep-linking');
      await check('deep-linking picker', frame);
      await submit(frame, 'form:has(input[name="credentialId"])');
      expect(frame.url()).toBe(`${sim.issuer}/deeplink/return`);
      expect(await visibleText(frame)).toContain('Added 1 item(s) to the course.');
      expect([...sim.placedLinks.values()].map((l) => l.title)).toContain(CREDENTIAL_TITLE);
    });
    await journey.step('the placed activity opens its credential; the header leads to the dashboard and its roster sync', page, async () => {
      const activity = [...sim.placedLinks.values()].find((l) => l.title === CREDENTIAL_TITLE)!;
      frame = await openCourse(page, 'instructor', placedLinkHint(activity.id));
      expect(new URL(frame.url()).pathname).toMatch(new RegExp(`${credentialPath.replace(/^\/app\/[^/]+/, '')}$`));
      await check('credential page from the placed activity', frame);
      await follow(frame, frame.locator('header nav a', { hasText: 'Course dashboard' }));
      expect(new URL(frame.url()).pathname).toMatch(/^\/app\/[^/]+\/dashboard$/);
      await submit(frame, '/roster/sync');
      expect(await visibleText(frame)).toMatch(/Roster synced from the LMS: \d+ people in the course/);
      await check('course dashboard after a roster sync', frame);
      await follow(frame, frame.locator('a', { hasText: 'Grades sent to the LMS' }));
      await follow(frame, frame.locator('main a', { hasText: '← Course dashboard' }));
      expect(new URL(frame.url()).pathname).toMatch(/\/dashboard$/);
    });
  }, 180000);

  let learnerPage: Page;
  let credentialId = 0;
  let bakedPng = '';

  it('3 · the learner reads the rubric, uploads a file per criterion and a reflection, and submits', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
    learnerPage = page;
    const frame = await openCourse(page, 'learner');
    const base = new URL(frame.url()).pathname;
    credentialId = Number(/\/credentials\/(\d+)/.exec(credentialPath)![1]);
    await journey.step('the landing lists the credential', page, async () => {
      expect(await visibleText(frame)).toContain(CREDENTIAL_TITLE);
      await check('my credentials', frame);
    });
    await journey.step('the rubric', page, async () => {
      await frame.goto(`${tool.base}${base}/credentials/${credentialId}/rubric/preview`);
      const text = await visibleText(frame);
      expect(text).toContain('Proficient');
      expect(text).toContain('Criterion 2');
      await check('rubric preview', frame);
    });
    await journey.step('a draft with a file for each criterion and a reflection', page, async () => {
      await frame.goto(`${tool.base}${base}/credentials/${credentialId}/my-work`);
      await check('my work', frame);
      await submit(frame, '/start');
      const criteria = await frame
        .locator('form[data-upload] select[name="criterionId"] option')
        .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
      expect(criteria).toHaveLength(2);
      for (const [i, criterionId] of criteria.entries()) {
        await submit(frame, 'form[data-upload]', {
          criterionId,
          file: { file: `evidence-${i + 1}.pdf`, name: `evidence-${i + 1}.pdf`, mimeType: 'application/pdf', buffer: PDF },
          title: `Lab report ${i + 1}`,
        });
        expect(await visibleText(frame)).toContain(`Lab report ${i + 1}`);
      }
      await submit(frame, 'form:has(input[name="kind"][value="reflection"])', {
        body: 'I planned the experiment, ran it twice and reported the results with their uncertainty.',
      });
      await check('my work with evidence', frame);
    });
    await journey.step('submitted for assessment', page, async () => {
      await submit(frame, '/submit');
      expect(await visibleText(frame)).toMatch(/submitted/i);
      const [row] = await q('SELECT status FROM submissions WHERE credential_id = $1', [credentialId]);
      expect(row.status).toBe('submitted');
    });
  }, 120000);

  it('4 · the teacher scores on the rubric, records the identity check and accepts', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
    const frame = await openCourse(page, 'instructor');
    const base = new URL(frame.url()).pathname;
    await journey.step('the queue shows the submission', page, async () => {
      await frame.goto(`${tool.base}${base}/assessments`);
      await check('assessment queue', frame);
      await follow(frame, frame.locator(`a[href*="/assessments/"]`, { hasText: /Lea|Learner|Student/ }).first());
      await check('scoring page', frame);
    });
    await journey.step('levels, the on-site identity check, accept', page, async () => {
      const levels = await frame.locator('fieldset.criterion').evaluateAll((sets) =>
        sets.map((s) => {
          const radios = [...s.querySelectorAll('input[type="radio"]')] as HTMLInputElement[];
          return [radios[0].name, radios[2].value];
        }),
      );
      await submit(frame, '/decide', {
        ...Object.fromEntries(levels),
        identityMethod: 'onsite-id-check',
        identityIdDocumentType: 'passport',
        identityAttestedBy: 'Ada Teacher',
        decision: 'accept',
        overallComment: 'Careful, well-reported work.',
      });
      const [row] = await q('SELECT status FROM submissions WHERE credential_id = $1', [credentialId]);
      expect(row.status).toBe('accepted');
    });
  }, 120000);

  it('5 · the learner sees the badge, downloads it, verifies it in a new tab and answers the survey', async () => {
    const page = learnerPage;
    const frame = await openCourse(page, 'learner');
    const base = new URL(frame.url()).pathname;
    let png = '';
    await journey.step('the badge is on My badges', page, async () => {
      // Issued in the background: wait for the signed credential, then open the page.
      for (let i = 0; i < 100 && (await q('SELECT 1 FROM issued_credentials')).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
      await frame.goto(`${tool.base}${base}/badges`);
      expect(await visibleText(frame)).toContain(CREDENTIAL_TITLE);
      await check('my badges', frame);
    });
    await journey.step('downloads the JSON-LD and the baked PNG', page, async () => {
      const [json] = await Promise.all([page.waitForEvent('download'), frame.locator('a[href$=".json?download=1"]').first().press('Enter')]);
      const credential = JSON.parse(require('node:fs').readFileSync(await json.path(), 'utf8'));
      expect(credential.type).toContain('OpenBadgeCredential');
      const [image] = await Promise.all([page.waitForEvent('download'), frame.locator('a[href$="/badge.png?download=1"]').first().press('Enter')]);
      png = (await image.path())!;
      bakedPng = png;
      expect(require('node:fs').readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
      // The badge issued from the published version wears its design: the shield in the chosen colour.
      const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([600, 600]);
      const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
      expect(at(300, 20)).toEqual([0xfd, 0xe6, 0x8a, 255]);
      expect(at(3, 3)[3]).toBe(0);
      copyFileSync(png, path.join(BADGE_SHOTS, `earned-badge-${profileName}.png`));
    });
    await journey.step('verifies the PNG on the public page in a new tab: every check green', page, async () => {
      const tab = await page.context().newPage();
      await tab.goto(`${tool.base}/verify`);
      await check('verify', tab);
      await submit(tab, '/verify', { file: { file: png } });
      const text = await visibleText(tab);
      expect(text).toContain('This credential is valid');
      // Six checks, each passed: type, required information, signature, issuer, revocation, dates.
      expect(text.match(/\(Passed\)/g)).toHaveLength(6);
      expect(text).not.toMatch(/\((Failed|Skipped)\)/);
      await check('verification report', tab);
      await tab.close();
    });
    await journey.step('answers the feedback survey', page, async () => {
      await frame.goto(`${tool.base}${base}`);
      await follow(frame, frame.locator('a[href*="/surveys/"][href$="/award"]').first());
      await check('survey', frame);
      await submit(frame, 'form:has(textarea[name="comment"])', {
        satisfaction: '5',
        relevance: '4',
        recommend: '9',
        comment: 'Clear rubric, quick feedback.',
      });
      expect(await q('SELECT satisfaction, recommend FROM survey_responses')).toEqual([{ satisfaction: 5, recommend: 9 }]);
    });
  }, 120000);

  it('6 · the LMS holds the grade; the teacher revokes and verification says so', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
    await journey.step('the LMS gradebook holds the grade', page, async () => {
      let held: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && !(held = [...sim.scores.values()].find((s) => s.gradingProgress === 'FullyGraded')); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(held).toMatchObject({ userId: 'u-learner-1', activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
    });
    const frame = await openCourse(page, 'instructor');
    const base = new URL(frame.url()).pathname;
    await journey.step('the teacher revokes the badge with a reason', page, async () => {
      await frame.goto(`${tool.base}${base}/badges/issued`);
      await check('issued badges', frame);
      page.once('dialog', (d) => void d.accept());
      await submit(frame, '/revoke', { reason: 'Evidence found to be plagiarised.' });
      const [row] = await q('SELECT revoked_at FROM issued_credentials');
      expect(row.revoked_at).not.toBeNull();
    });
    await journey.step('the teacher’s other pages: quality, grades, roster, settings, audit, the public catalogue', page, async () => {
      for (const path of [
        '/quality',
        `/quality/${credentialId}`,
        '/grades',
        '/assessments/settings',
        '/assessments/audit',
        '/outcomes',
        `/credentials/${credentialId}/rubric`,
      ]) {
        await frame.goto(`${tool.base}${base}${path}`);
        expect(await visibleText(frame)).not.toMatch(/Something went wrong|HTTP [45]\d\d/);
        await check(`teacher ${path}`, frame);
      }
      for (const path of ['/', '/catalogue', `/catalogue/${credentialId}`]) {
        await page.goto(`${tool.base}${path}`);
        await check(`public ${path}`, page);
      }
    });
    await journey.step('verification of the same baked PNG now reports it revoked', page, async () => {
      await page.goto(`${tool.base}/verify`);
      await submit(page, '/verify', { file: { file: bakedPng } });
      const text = await visibleText(page);
      expect(text).toMatch(/Revocation \(Failed\)/);
      expect(text).not.toContain('This credential is valid');
      const [row] = await q('SELECT id FROM issued_credentials');
      const share = await page.context().newPage();
      await share.goto(`${tool.base}/credentials/${row.id}`);
      expect(await visibleText(share)).toMatch(/revoked/i);
      await check('share page (revoked)', share);
    });
  }, 120000);

  describe('7 · third-party cookies blocked: the launch in the LMS frame still completes', () => {
    it('with Chrome blocking third-party cookies: on the partitioned (CHIPS) cookies', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await blockThirdPartyCookies(context, page);
      await journey.step('learner launch, third-party cookies blocked', page, async () => {
        const frame = await openCourse(page, 'learner');
        expect(await visibleText(frame)).toContain(CREDENTIAL_TITLE);
        const cookies = await context.cookies(tool.base);
        // ltijs's own (unpartitioned) state cookie was refused; the partitioned ones carried the launch.
        expect(cookies.map((c) => c.name)).toEqual(expect.arrayContaining(['mc_sid']));
        expect(cookies.every((c) => (c as { partitionKey?: string }).partitionKey === sim.issuer.replace(/:\d+$/, ''))).toBe(true);
      });
      await context.close();
    }, 60000);

    /**
     * Safari's policy: no cookie at all for the tool inside the LMS's frame. The LMS's own way
     * to a fresh launch in a window of its own must end in the tool, signed in: Moodle 4.5 has
     * no platform storage, so the launch stops at the id_token and the page links to Moodle's
     * launch address for the activity; Canvas keeps the login's state in its
     * post_message_forwarding frame, the launch completes, and Canvas opens the new window
     * when asked (requestFullWindowLaunch).
     */
    async function noFrameCookies(lms: PlatformSimulator, expected: string) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await blockThirdPartyCookies(context, page);
      await dropCookiesInFrames(context, tool.base);
      const paths: string[] = [];
      context.on('request', (r) => paths.push(new URL(r.url()).pathname));
      await journey.step(`learner launch on ${lms.profile.name}, no cookies in the frame: a fresh launch in a new window`, page, async () => {
        await page.goto(`${lms.issuer}/course?user=learner`);
        const frame = await toolFrame(page);
        const open = frame.locator('a.button[target="_blank"], button#lti-full-window').first();
        await open.waitFor({ timeout: 15000 });
        // With platform storage the login's state came back from the LMS's page, so the
        // id_token was accepted and only the session cannot be kept in the frame; without it the
        // launch stops at the id_token.
        expect(paths.includes('/lti/launch/storage')).toBe(Boolean(lms.profile.platformStorage));
        expect(await context.cookies(tool.base)).toEqual([]);
        expect(await frame.locator('a[href*="/lti/login?"]').count()).toBe(0);
        await check(`cookies blocked (${lms.profile.name})`, frame);
        const [popup] = await Promise.all([context.waitForEvent('page'), open.press('Enter')]);
        await popup.waitForURL(/\/app\/[^/]+$/, { timeout: 20000 });
        expect(await visibleText(popup)).toContain(expected);
        // It came through the LMS, with a new hint: Moodle's launch address or Canvas's retrieve.
        expect(paths.some((p) => p === '/mod/lti/launch.php' || /\/external_tools\/retrieve$/.test(p))).toBe(true);
      });
      await context.close();
    }

    it(`with no cookie kept in the frame at all (as Safari), on ${profileName}: a fresh launch through the LMS in a new window`, async () => {
      await noFrameCookies(sim, CREDENTIAL_TITLE);
    }, 60000);
  });

  describe('keyboard only', () => {
    /** Presses Tab (from wherever the focus is) until the focused element in `frame` matches `selector`. */
    async function tabTo(page: Page, frame: Frame, selector: string, max = 250) {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        if (await frame.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    }
    const pressEnterAndWait = async (page: Page, frame: Frame) => {
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === frame, timeout: 20000 });
      await page.keyboard.press('Enter');
      await navigated;
      await frame.waitForLoadState('load');
    };

    it('a learner uploads evidence and submits, and the teacher scores and accepts, with the keyboard alone', async () => {
      const learnerPage2 = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
      const frame = await openCourse(learnerPage2, 'learner2');
      await journey.step('keyboard: learner opens My work and starts a draft', learnerPage2, async () => {
        await tabTo(learnerPage2, frame, `a[href$="/credentials/${credentialId}/my-work"]`);
        await pressEnterAndWait(learnerPage2, frame);
        await tabTo(learnerPage2, frame, 'form[action$="/start"] button');
        await pressEnterAndWait(learnerPage2, frame);
      });
      await journey.step('keyboard: learner uploads a file for each criterion', learnerPage2, async () => {
        const criteria = await frame
          .locator('form[data-upload] select[name="criterionId"] option')
          .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
        for (let i = 0; i < 2; i++) {
          await tabTo(learnerPage2, frame, 'form[data-upload] select[name="criterionId"]');
          // Home, then down the list to this criterion.
          await learnerPage2.keyboard.press('Home');
          const select = frame.locator('form[data-upload] select[name="criterionId"]');
          for (let k = 0; k < 5 && (await select.inputValue()) !== criteria[i]; k++) await learnerPage2.keyboard.press('ArrowDown');
          expect(await select.inputValue()).toBe(criteria[i]);
          await tabTo(learnerPage2, frame, 'form[data-upload] input[type="file"]');
          // Space on the focused file input opens the file chooser (again if a busy machine missed the key).
          let chooser: FileChooser | undefined;
          for (let attempt = 0; attempt < 3 && !chooser; attempt++) {
            [chooser] = await Promise.all([
              learnerPage2.waitForEvent('filechooser', { timeout: 8000 }).catch(() => undefined),
              learnerPage2.keyboard.press('Space'),
            ]);
          }
          if (!chooser) throw new Error('Space on the file input never opened the file chooser');
          await chooser.setFiles({ name: `keyboard-${i + 1}.pdf`, mimeType: 'application/pdf', buffer: PDF });
          await tabTo(learnerPage2, frame, 'form[data-upload] button[type="submit"]');
          await pressEnterAndWait(learnerPage2, frame);
          expect(await visibleText(frame)).toContain(`keyboard-${i + 1}.pdf`);
        }
        await tabTo(learnerPage2, frame, 'form[action$="/submit"] button');
        await pressEnterAndWait(learnerPage2, frame);
      });

      const teacherPage = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
      const teacher = await openCourse(teacherPage, 'instructor');
      await journey.step('keyboard: teacher opens the submission from the queue', teacherPage, async () => {
        await tabTo(teacherPage, teacher, 'a[href$="/assessments"]');
        await pressEnterAndWait(teacherPage, teacher);
        await tabTo(teacherPage, teacher, 'a[href*="/assessments/"]:not([href$="/settings"]):not([href$="/audit"])');
        await pressEnterAndWait(teacherPage, teacher);
      });
      await journey.step('keyboard: teacher picks levels with the arrow keys, records the identity check and accepts', teacherPage, async () => {
        const criteria = await teacher.locator('fieldset.criterion').count();
        for (let c = 0; c < criteria; c++) {
          await tabTo(teacherPage, teacher, `fieldset.criterion:nth-of-type(${c + 1}) input[type="radio"]`);
          // Into the group on its first level; two steps down is the third level, the pass level.
          await teacherPage.keyboard.press('ArrowDown');
          await teacherPage.keyboard.press('ArrowDown');
        }
        await tabTo(teacherPage, teacher, 'input[name="identityMethod"]');
        // Arrow to the on-site document check.
        for (let i = 0; i < 5 && !(await teacher.locator('input[name="identityMethod"][value="onsite-id-check"]').isChecked()); i++)
          await teacherPage.keyboard.press('ArrowDown');
        await tabTo(teacherPage, teacher, 'select[name="identityIdDocumentType"]');
        await teacherPage.keyboard.press('ArrowDown');
        await tabTo(teacherPage, teacher, 'input[name="decision"]');
        for (let i = 0; i < 3 && !(await teacher.locator('input[name="decision"][value="accept"]').isChecked()); i++)
          await teacherPage.keyboard.press('ArrowDown');
        await tabTo(teacherPage, teacher, 'form[action$="/decide"] button[type="submit"]');
        await pressEnterAndWait(teacherPage, teacher);
        const rows = await q("SELECT s.status FROM submissions s JOIN lti_users u ON u.id = s.learner_id WHERE u.sub = 'u-learner-2'");
        expect(rows).toEqual([{ status: 'accepted' }]);
      });
    }, 120000);
  });

  it('8 · every page visited passes axe (no serious or critical violations)', () => {
    const failing = journey.axe.filter((p) => p.violations.length > 0);
    expect(journey.axe.length).toBeGreaterThan(20);
    expect(failing).toEqual([]);
  });

  it('9 · every page visited fits a 360 px wide LMS frame without sideways scrolling', () => {
    const tooWide = journey.axe.filter((p) => p.overflowAt360 > 0).map((p) => `${p.url}: ${p.overflowAt360}px too wide (${p.tooWide.join(', ')})`);
    expect(tooWide).toEqual([]);
  });

  it('the accessibility check itself finds real problems (so a pass means something)', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.setContent(
      '<!doctype html><html><head><title>Broken</title></head><body><main><img src="x.png"><input type="text"><button></button><p style="color:#eee;background:#fff">faint</p></main></body></html>',
    );
    const ids = (await axeViolations(page)).map((v) => v.id).sort();
    expect(ids).toEqual(expect.arrayContaining(['button-name', 'color-contrast', 'html-has-lang', 'image-alt', 'label']));
  });
}
