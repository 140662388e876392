// The pathway journey in Chromium, inside a Moodle 4.5 profile LMS's frame: a learner follows a
// published pathway from "My pathways", earns two micro-credentials in two courses (each
// accepted by that course's teacher), sees the progress and what is missing after the first,
// gets the composite automatically after the second, downloads the learner record (CLR 2.0),
// and /verify in a new tab shows the record and every credential in it green. The pathway is
// designed over HTTP in test/pathways/pathwayPages.test.ts; here it is published by the store.
import fs from 'node:fs';
import { acceptComplete, launchAs, type Person } from '../assessment/support';
import { Journey, launchChromium, toolFrame, type Browser, type Frame, type Page } from '../support/chromium';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { inCourseB, openPathway, type TwoCourses, twoCourses } from '../pathways/support';
import { follow, submit, visibleText } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let browser: Browser;
let courses: TwoCourses;
let learnerA: Person;
let learnerB: Person;
const journey = new Journey('journey-pathways-moodle-4.5');

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
  courses = await twoCourses(tool, sim);
  const pathway = await tool.pathways.create(
    { ...openPathway(courses.credA, courses.credB), kind: 'rigid', rules: { ...openPathway(courses.credA, courses.credB).rules, required: ['rdm', 'pub'] } },
    { label: 'admin:1', userId: null },
  );
  await tool.pathways.publish(pathway.id, { label: 'admin:1', userId: null });
  // The learner's enrolments in both courses (the teachers accept their work through the store).
  learnerA = await launchAs(tool, sim, 'learner');
  learnerB = await inCourseB(sim, () => launchAs(tool, sim, 'learner'));
  browser = await launchChromium();
}, 60000);

afterAll(async () => {
  journey.writeSummary();
  await browser?.close();
  await tool?.stop();
  await sim?.stop();
});

async function openCourse(page: Page): Promise<Frame> {
  await page.goto(`${sim.issuer}/course?user=learner&hint=resource-link`);
  const frame = await toolFrame(page);
  await frame.waitForURL(/\/app\/[^/]+/, { timeout: 15000 });
  await frame.waitForLoadState('load');
  return frame;
}

it('a learner stacks two micro-credentials from two courses into a pathway, downloads the CLR and verifies it', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const frame = await openCourse(page);
  const base = new URL(frame.url()).pathname;

  await journey.step('My pathways from the header; the learner follows the published pathway', page, async () => {
    await follow(frame, frame.locator('nav a', { hasText: 'My pathways' }));
    expect(await visibleText(frame)).toContain('None of your credentials counts towards a pathway yet.');
    await submit(frame, 'follow', {}, 'contains');
    const text = await visibleText(frame);
    expect(text).toContain('You follow this pathway now.');
    expect(text).toContain('required 0/2');
    await journey.checkAccessibility('my pathways', frame);
  });

  await journey.step('after the first micro-credential: progress by rule, and what is missing with where it is offered', page, async () => {
    await acceptComplete(tool, courses.teacherA, learnerA, courses.credA);
    for (let i = 0; i < 100 && (await tool.badges.forLearner(learnerA.userId)).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    await frame.goto(`${tool.base}${base}/pathways`);
    const text = await visibleText(frame);
    expect(text).toContain('3 ECTS accumulated');
    expect(text).toContain('required 1/2');
    expect(text).toContain('Research Data Management: earned (3 ECTS)');
    expect(text).toMatch(/Data Publication: missing · offered in Chemistry 202/);
  });

  await journey.step('after the second, in the other course: the composite is awarded automatically', page, async () => {
    await acceptComplete(tool, courses.teacherB, learnerB, courses.credB);
    for (let i = 0; i < 100 && (await tool.pathways.awardsOfLearner(learnerA.userId)).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    await frame.goto(`${tool.base}${base}/pathways`);
    const text = await visibleText(frame);
    expect(text).toContain('completed: composite credential awarded');
    expect(text).toContain('6 ECTS accumulated');
  });

  let file = '';
  await journey.step('downloads the learner record (CLR 2.0)', page, async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), frame.locator('a[href$="/pathways/record.json"]').press('Enter')]);
    file = (await download.path())!;
    const clr = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(clr.type).toEqual(['VerifiableCredential', 'ClrCredential']);
    expect(clr.credentialSubject.verifiableCredential).toHaveLength(3);
  });

  await journey.step('verifies the record on the public page in a new tab: the record and every credential in it green', page, async () => {
    const tab = await context.newPage();
    await tab.goto(`${tool.base}/verify`);
    await submit(tab, '/verify', { file: { file, name: 'learner-record.json', mimeType: 'application/json' } });
    const text = await visibleText(tab);
    expect(text).toContain('The 3 credentials in this learner record');
    expect(text.match(/This credential is valid/g)).toHaveLength(4);
    expect(text).not.toMatch(/\(Failed\)/);
    await journey.checkAccessibility('verification of a learner record', tab);
    await tab.close();
  });

  const failing = journey.axe.filter((p) => p.violations.length > 0);
  expect(failing.map((p) => `${p.url}: ${p.violations.map((v) => v.id).join(', ')}`)).toEqual([]);
}, 180000);
