// Shared set-up for assessment tests: a tool, a simulated LMS, launches for the people
// involved, and a published credential in the course (its design is tested elsewhere).
import { identityFromLaunch } from '../../src/assessment/identity';
import type { CredentialDefinition } from '../../src/credentials/model';
import { CredentialStore } from '../../src/credentials/store';
import { readForm, type Page, type TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator, USERS } from '../support/platformSimulator';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

export interface Person {
  browser: TestBrowser;
  /** The launch's base address, /app/<launchId> as an absolute URL. */
  base: string;
  userId: number;
  courseId: number;
}

export async function launchAs(tool: TestTool, sim: PlatformSimulator, who: keyof typeof USERS): Promise<Person> {
  const l = await launch(tool, sim, who);
  if (l.page.status !== 200) throw new Error(`launch as ${who} answered ${l.page.status}`);
  const launchId = l.page.url.split('/app/')[1];
  const { rows } = await tool.database.pool.query('SELECT user_id, course_id FROM launch_sessions WHERE id = $1', [launchId]);
  return { browser: l.browser, base: l.page.url, userId: rows[0].user_id, courseId: rows[0].course_id };
}

/**
 * What a test of issued badges starts from: a tool on its own database, a Moodle course with its
 * teacher and a learner launched, and the issuer profile saved. Stop `tool` and `sim` after.
 */
export async function issuingCourse(env: Record<string, string> = {}) {
  const tool = await startTestTool(env);
  const sim = await connectLms(tool, 'moodle-4.5');
  const teacher = await launchAs(tool, sim, 'instructor');
  const learner = await launchAs(tool, sim, 'learner');
  await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
  return { tool, sim, teacher, learner };
}

/** Creates and publishes a credential in the course, as its teacher. */
export async function publishCredential(tool: TestTool, teacher: Person, definition: CredentialDefinition): Promise<number> {
  const store = new CredentialStore(tool.database.db);
  const { credentialId, version } = await store.create(teacher.courseId, teacher.userId, definition);
  await store.publish(teacher.courseId, credentialId, { versionId: version.id, lockVersion: version.lockVersion }, teacher.userId, () => undefined);
  return credentialId;
}

/** Posts the form of `page` whose action matches, with extra fields, following redirects. */
export async function submitForm(tool: TestTool, b: TestBrowser, page: Page, action: string | RegExp, extra: Record<string, string> = {}): Promise<Page> {
  const form = readForm(page.body, action);
  return b.post(new URL(form.action, tool.base).toString(), { ...form.fields, ...extra });
}

/** Uploads through the multipart form of `page` whose action matches. */
export async function uploadForm(
  tool: TestTool,
  b: TestBrowser,
  page: Page,
  action: string | RegExp,
  fields: Record<string, string>,
  file?: { filename: string; content: Buffer | string; type?: string },
): Promise<Page> {
  const form = readForm(page.body, action);
  return b.upload(new URL(form.action, tool.base).toString(), { ...form.fields, ...fields }, file);
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** The body text without tags, for reading messages. */
export const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;|&#34;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** Passing levels for completeDefinition()'s rubric. */
export const PASSING_LEVELS = { 'crit-plan': 'plan-3', 'crit-publish': 'pub-2' };

/** The evidence completeDefinition() asks for (a file, a reflection, a link), submitted through the store. */
export async function submitComplete(tool: TestTool, who: Person, credentialId: number) {
  const s = tool.assessment;
  const draft = await s.openDraft(who.courseId, credentialId, who.userId);
  await s.addEvidence(who.courseId, who.userId, draft.id, {
    criterionId: 'crit-plan',
    kind: 'file',
    title: 'plan.pdf',
    file: { filename: 'plan.pdf', mimeType: 'application/pdf', content: PDF },
  });
  await s.addEvidence(who.courseId, who.userId, draft.id, { criterionId: 'crit-plan', kind: 'reflection', title: 'Reflection', body: 'I learned.' });
  await s.addEvidence(who.courseId, who.userId, draft.id, { criterionId: 'crit-publish', kind: 'link', title: 'Dataset', url: 'https://zenodo.org/records/1' });
  return s.submit(who.courseId, who.userId, draft.id, identityFromLaunch({ platformName: 'Moodle test', id: 'launch-1' }, new Date(), who.userId));
}

/** A complete attempt accepted by `assessor` at the pass levels with the launch as identity evidence: its award. */
export async function acceptComplete(tool: TestTool, assessor: Person, who: Person, credentialId: number) {
  return (await acceptSubmitted(tool, assessor, who, await submitComplete(tool, who, credentialId)))!;
}

/** `assessor` accepts a submitted attempt at the pass levels, the launch as identity evidence: its award and outbox event, in one transaction. */
export async function acceptSubmitted(
  tool: Pick<TestTool, 'assessment'>,
  assessor: Pick<Person, 'userId'>,
  who: Pick<Person, 'courseId'>,
  submission: { id: number; lockVersion: number },
) {
  const identity = identityFromLaunch({ platformName: 'Moodle test', id: 'launch-1' }, new Date(), assessor.userId);
  const { award } = await tool.assessment.decide(who.courseId, submission.id, assessor.userId, {
    decision: 'accept',
    levels: PASSING_LEVELS,
    criterionComments: {},
    overallComment: '',
    identity,
    lockVersion: submission.lockVersion,
  });
  return award;
}

/** Polls until `probe` gives a value (background jobs finish in their own time). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
