// The pathway pages end to end over HTTP: an administrator designs a rigid pathway (the form
// keeps typed input; publishing waits for the readiness gate) and makes a teacher a
// coordinator; the coordinator sees it from their launch, a learner cannot; the learner earns
// the two micro-credentials in two courses, sees progress and what is missing, gets the
// composite automatically, downloads the CLR, and /verify shows every credential in it green;
// the catalogue feed lists the pathway; the cohort CSV has the learner.
import { acceptComplete, launchAs, type Person, text, until } from '../assessment/support';
import { signedInAdmin } from '../support/admin';
import { readForm, TestBrowser } from '../support/browser';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { inCourseB, type TwoCourses, twoCourses } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let courses: TwoCourses;
let admin: TestBrowser;
let learnerA: Person;
let learnerB: Person;
let pathwayId: number;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
  courses = await twoCourses(tool, sim);
  learnerA = await launchAs(tool, sim, 'learner');
  learnerB = await inCourseB(sim, () => launchAs(tool, sim, 'learner'));
  admin = await signedInAdmin(tool);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const designFields = (extra: Record<string, string> = {}) => ({
  title: 'Data Steward',
  description: 'Research data management, then data publication.',
  kind: 'rigid',
  [`comp_${courses.credA}`]: 'on',
  [`req_${courses.credA}`]: 'on',
  [`pos_${courses.credA}`]: '1',
  [`comp_${courses.credB}`]: 'on',
  [`req_${courses.credB}`]: 'on',
  [`pos_${courses.credB}`]: '2',
  minCredits: '6',
  c_title: 'Data Steward (pathway)',
  c_description: 'Manages and publishes research data.',
  c_country: 'NL',
  c_awarding_body: 'Example University',
  c_outcomes: 'I can write a data management plan.\nI can publish a dataset with metadata.',
  c_ects: '6',
  c_hours: '168',
  c_eqf: '6',
  c_assessment: 'portfolio',
  c_participation: 'online',
  ...extra,
});

it('lets an administrator design a pathway: typed input kept on a mistake, publishing only when ready', async () => {
  const form = await admin.get(`${tool.base}/admin/pathways/new`);
  expect(form.status).toBe(200);
  const csrf = readForm(form.body, '/admin/pathways/new').fields._csrf;
  const bad = await admin.post(`${tool.base}/admin/pathways/new`, { _csrf: csrf, ...designFields({ c_eqf: '9' }) });
  expect(bad.status).toBe(422);
  expect(text(bad.body)).toContain('Enter a whole number from 1 to 8.');
  expect(bad.body).toContain('value="Data Steward"');
  expect(bad.body).toContain('value="9"');

  const saved = await admin.post(`${tool.base}/admin/pathways/new`, { _csrf: csrf, ...designFields() });
  expect(saved.status).toBe(200);
  pathwayId = Number(/\/admin\/pathways\/(\d+)/.exec(saved.url)![1]);
  // No quality-assurance type yet: the readiness panel says so, and publishing is refused.
  expect(text(saved.body)).toContain('Not ready to publish yet');
  expect(text(saved.body)).toContain('Type of quality assurance');
  expect(text(saved.body)).toContain('In this order: Research Data Management → Data Publication.');
  const refused = await admin.post(`${tool.base}/admin/pathways/${pathwayId}/publish`, { _csrf: csrf }, false);
  expect(refused.status).toBe(422);

  const edit = await admin.get(`${tool.base}/admin/pathways/${pathwayId}`);
  const fields = readForm(edit.body, new RegExp(`/admin/pathways/${pathwayId}$`)).fields;
  expect(fields.lockVersion).toBe('1');
  const again = await admin.post(`${tool.base}/admin/pathways/${pathwayId}`, {
    _csrf: csrf,
    lockVersion: fields.lockVersion,
    ...designFields({ c_qa: 'Institutional accreditation' }),
  });
  expect(text(again.body)).toContain('Ready to publish');
  const published = await admin.post(`${tool.base}/admin/pathways/${pathwayId}/publish`, { _csrf: csrf });
  expect(published.status).toBe(200);
  expect(text(published.body)).toContain('Status: published');
});

it('lets the administrator name a coordinator, who designs from their launch; a learner may not', async () => {
  const list = await admin.get(`${tool.base}/admin/pathways`);
  const csrf = readForm(list.body, '/admin/pathways/coordinators').fields._csrf;
  const unknown = await admin.post(`${tool.base}/admin/pathways/coordinators`, { _csrf: csrf, email: 'nobody@uni.example' });
  expect(unknown.status).toBe(422);
  expect(unknown.body).toContain('value="nobody@uni.example"');
  const granted = await admin.post(`${tool.base}/admin/pathways/coordinators`, { _csrf: csrf, email: 'ada@uni.example' });
  expect(text(granted.body)).toContain('Coordinator role granted.');

  const design = await courses.teacherA.browser.get(`${courses.teacherA.base}/pathways/design`);
  expect(design.status).toBe(200);
  expect(text(design.body)).toContain('Data Steward');
  expect((await learnerA.browser.get(`${learnerA.base}/pathways/design`)).status).toBe(403);
});

it('shows the learner progress by rule and what is missing, awards the composite, and the CLR verifies all green', async () => {
  await acceptComplete(tool, courses.teacherA, learnerA, courses.credA);
  await until('the first badge', async () => ((await tool.badges.forLearner(learnerA.userId)).length === 1 ? true : undefined));
  const progress = await learnerA.browser.get(`${learnerA.base}/pathways`);
  expect(progress.status).toBe(200);
  const words = text(progress.body);
  expect(words).toContain('Data Steward');
  expect(words).toContain('3 ECTS accumulated');
  expect(words).toContain('required 1/2');
  expect(words).toContain('credits 3/6');
  expect(words).toContain('Research Data Management: earned (3 ECTS)');
  expect(words).toContain('Data Publication: missing · offered in Chemistry 202');
  expect(progress.body).toContain(`href="/catalogue/${courses.credB}"`);

  await acceptComplete(tool, courses.teacherB, learnerB, courses.credB);
  await until('the composite', async () => {
    const rows = await tool.pathways.awardsOfLearner(learnerA.userId);
    return rows.length ? rows : undefined;
  });
  const done = text((await learnerA.browser.get(`${learnerA.base}/pathways`)).body);
  expect(done).toContain('completed: composite credential awarded');
  expect(done).toContain('6 ECTS accumulated');

  // My badges links to the same record.
  const badges = await learnerA.browser.get(`${learnerA.base}/badges`);
  expect(badges.body).toContain(`href="${new URL(learnerA.base).pathname}/pathways/record.json"`);
  const record = await learnerA.browser.get(`${learnerA.base}/pathways/record.json`);
  expect(record.status).toBe(200);
  expect(record.headers.get('content-disposition')).toMatch(/attachment; filename="learner-record-/);
  const clr = JSON.parse(record.body);
  expect(clr.type).toEqual(['VerifiableCredential', 'ClrCredential']);
  expect(clr.credentialSubject.verifiableCredential).toHaveLength(3);

  const anyone = new TestBrowser();
  const verifyPage = await anyone.get(`${tool.base}/verify`);
  const result = await anyone.post(`${tool.base}/verify`, { ...readForm(verifyPage.body, '/verify').fields, credential: record.body });
  expect(result.status).toBe(200);
  expect(text(result.body)).toContain('The 3 credentials in this learner record');
  expect(result.body).not.toContain('check-failed');
  expect((result.body.match(/class="card verification verified"/g) ?? []).length).toBe(4);

  const jwt = await learnerA.browser.get(`${learnerA.base}/pathways/record.jwt`);
  const api = await fetch(`${tool.base}/api/verify`, { method: 'POST', headers: { 'content-type': 'application/jwt' }, body: jwt.body });
  const json = await api.json();
  expect(json.verified).toBe(true);
  expect(json.credentials.map((c: { verified: boolean }) => c.verified)).toEqual([true, true, true]);
});

it('lists the pathway in the catalogue feed and on its public page; the cohort CSV has the learner', async () => {
  const feed = await (await fetch(`${tool.base}/catalogue.json`)).json();
  const p = feed.pathways.find((x: { id: number }) => x.id === pathwayId);
  expect(p).toMatchObject({ title: 'Data Steward', kind: 'rigid', minCredits: 6, required: [`c${courses.credA}`, `c${courses.credB}`] });
  expect(p.components.map((c: { title: string }) => c.title)).toEqual(['Research Data Management', 'Data Publication']);
  const page = await fetch(`${tool.base}/pathways/${pathwayId}`, { headers: { accept: 'application/json' } });
  expect((await page.json()).title).toBe('Data Steward');

  const csv = await admin.get(`${tool.base}/admin/pathways/${pathwayId}/cohort.csv`);
  expect(csv.headers.get('content-type')).toContain('text/csv');
  const lines = csv.body.trim().split('\r\n');
  expect(lines[0]).toBe('learner,email,following,state,credits,rules met,rules,completed on');
  expect(lines.some((l) => l.includes('lena@uni.example') && l.includes(',completed,6,3/3,'))).toBe(true);
});
