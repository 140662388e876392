// Issue 19 in Chromium: a learner who earned a micro-credential opens My badges in the LMS's
// frame, downloads it as a sealed European Digital Credential, and verifies it on /verify in a
// new tab, where every Europass check is reported. The award and the (test) seal are set up
// through the HTTP harness: the console and the awarding are journeys of their own.
import { readFileSync } from 'node:fs';
import { generateTestSeal } from '../../src/edc/certificates';
import { acceptComplete, launchAs, publishCredential, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { Journey, launchChromium, toolFrame, type Browser, type Frame, type Page } from '../support/chromium';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { submit, visibleText } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let browser: Browser;
const journey = new Journey('edc');

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  browser = await launchChromium();
  await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
  await tool.seals.configure(
    generateTestSeal({ organizationName: 'Example University', organizationIdentifier: 'VATNL-001234567B01', country: 'NL' }),
    'test',
    null,
  );
  const teacher = await launchAs(tool, sim, 'instructor');
  const learner = await launchAs(tool, sim, 'learner');
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  const award = await acceptComplete(tool, teacher, learner, credentialId);
  await until(
    'the credential to be issued',
    async () => (await tool.database.pool.query('SELECT id FROM issued_credentials WHERE award_id = $1', [award.id])).rows[0],
  );
}, 120000);

afterAll(async () => {
  journey.writeSummary();
  await browser?.close();
  await tool?.stop();
  await sim?.stop();
});

async function openCourse(page: Page, user: string): Promise<Frame> {
  await page.goto(`${sim.issuer}/course?user=${user}`);
  const frame = await toolFrame(page);
  await frame.waitForURL(/\/app\/[^/]+/, { timeout: 15000 });
  await frame.waitForLoadState('load');
  return frame;
}

it('the learner downloads the EDC from My badges and verifies it on /verify: every check reported', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
  const frame = await openCourse(page, 'learner');
  const base = new URL(frame.url()).pathname.match(/^\/app\/[^/]+/)![0];
  let file = '';
  await journey.step('My badges offers the EDC, with what it is for', page, async () => {
    await frame.goto(`${tool.base}${base}/badges`);
    const text = await visibleText(frame);
    expect(text).toContain('European Digital Credential (sealed)');
    expect(text).toContain('For a Europass wallet and recognition in the EU.');
    await journey.checkAccessibility('my badges', frame);
  });
  await journey.step('downloads the sealed EDC', page, async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), frame.locator('a[href$="/edc"]').first().press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/^edc-[0-9a-f-]{36}\.jsonld$/);
    file = (await download.path())!;
    const sealed = JSON.parse(readFileSync(file, 'utf8'));
    expect(JSON.parse(sealed.payload).type).toEqual(['VerifiableCredential', 'EuropeanDigitalCredential']);
  });
  await journey.step('verifies it on /verify in a new tab: FORMAT, SEAL, REVOCATION, VALIDITY passed; ACCREDITATION not checked', page, async () => {
    const tab = await page.context().newPage();
    await tab.goto(`${tool.base}/verify`);
    await submit(tab, '/verify', { file: { file } });
    const text = await visibleText(tab);
    expect(text).toContain('European Digital Credential verified');
    const checks = await tab
      .locator('li[data-check]')
      .evaluateAll((items) => items.map((li) => `${li.getAttribute('data-check')}:${li.getAttribute('data-status')}`));
    expect(checks).toEqual(['FORMAT:passed', 'SEAL:passed', 'REVOCATION:passed', 'VALIDITY:passed', 'ACCREDITATION:not checked']);
    expect(text).toContain('Conforms to the profile http://data.europa.eu/snb/model/ap/edc-generic-full (SHACL, 0 violations).');
    expect(text).toContain('self-signed TEST seal (not qualified)');
    expect(text).toContain('Not checked: accreditations are checked against the Europass Qualification Dataset Register');
    await journey.checkAccessibility('edc verification report', tab);
  });
  const failing = journey.axe.filter((p) => p.violations.length > 0 || p.overflowAt360 > 0);
  expect(failing).toEqual([]);
}, 120000);
