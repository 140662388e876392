// An external component end to end: the learner brings an Open Badge 3.0 from another issuer
// (signed with that issuer's own did:key) in My pathways; it is verified and waits; it does
// not count until an administrator approves it; the approval's event starts the pathway check
// and the composite is awarded, referencing both the micro-credential and the external badge.
import { generateKeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity } from '../../src/badges/sign';
import { acceptComplete, launchAs, type Person, text, until } from '../assessment/support';
import { fullBadge } from '../badges/fixtures';
import { signedInAdmin } from '../support/admin';
import { readForm, type TestBrowser } from '../support/browser';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { compositeDefinition, type TwoCourses, twoCourses } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let courses: TwoCourses;
let learner: Person;
let admin: TestBrowser;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
  courses = await twoCourses(tool, sim);
  learner = await launchAs(tool, sim, 'learner');
  admin = await signedInAdmin(tool);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

it('counts an external badge only after a coordinator approves it, then awards the composite', async () => {
  const other = await generateKeyPair();
  const badge = await signCredentialDataIntegrity(fullBadge(other.controller), other);
  const achievementId = (badge.credentialSubject as { achievement: { id: string } }).achievement.id;
  const pathway = await tool.pathways.create(
    {
      title: 'Open pathway with an external badge',
      description: '',
      kind: 'open',
      rules: {
        components: [
          { key: 'rdm', title: 'Research Data Management', ref: { type: 'internal', credentialId: courses.credA } },
          { key: 'ext', title: 'Partner badge', ref: { type: 'external', issuerId: other.controller, achievementId }, credits: 3 },
        ],
        required: [],
        groups: [],
        minCredits: 6,
      },
      definition: compositeDefinition('Open pathway (composite)'),
    },
    { label: 'admin:1', userId: null },
  );
  await tool.pathways.publish(pathway.id, { label: 'admin:1', userId: null });
  await acceptComplete(tool, courses.teacherA, learner, courses.credA);
  await until('the badge', async () => ((await tool.badges.forLearner(learner.userId)).length ? true : undefined));

  // Brought in My pathways: verified, waiting for a coordinator.
  const page = await learner.browser.get(`${learner.base}/pathways`);
  const csrf = readForm(page.body, '/pathways/external').fields._csrf;
  const junk = await learner.browser.post(`${learner.base}/pathways/external`, { _csrf: csrf, credential: '{"not":"a badge"}' });
  expect(junk.status).toBe(422);
  expect(text(junk.body)).toContain('That credential could not be verified');
  expect(junk.body).toContain('{&#34;not&#34;:&#34;a badge&#34;}');
  const brought = await learner.browser.post(`${learner.base}/pathways/external`, { _csrf: csrf, credential: JSON.stringify(badge) });
  expect(brought.status).toBe(200);
  const waiting = text(brought.body);
  expect(waiting).toContain('Your external badge was verified; a coordinator will decide whether it counts.');
  expect(waiting).toContain('Partner badge: waiting for a coordinator');
  expect(waiting).toContain('credits 3/6');
  expect(await tool.pathways.awardsOfLearner(learner.userId)).toEqual([]);

  // The administrator approves it; the pathway check the approval starts awards the composite.
  const list = await admin.get(`${tool.base}/admin/pathways`);
  const [external] = await tool.pathways.pendingExternal();
  const approve = await admin.post(`${tool.base}/admin/pathways/external/${external.id}/decide`, {
    _csrf: readForm(list.body, `/admin/pathways/external/${external.id}/decide`).fields._csrf,
    decision: 'approve',
    reason: '',
  });
  expect(text(approve.body)).toContain('External achievement approved.');
  const [award] = await until('the composite', async () => {
    const rows = await tool.pathways.awardsOfLearner(learner.userId);
    return rows.length ? rows : undefined;
  });
  // The badge states its own creditsEarned, which wins over the component's 3 (used when a badge states none).
  const stated = (badge.credentialSubject as { creditsEarned: number }).creditsEarned;
  expect(stated).toBe(42);
  expect(award.credits).toBe(String(3 + stated));
  expect(award.components).toContain(badge.id);
  expect(award.components).toHaveLength(2);
  const done = text((await learner.browser.get(`${learner.base}/pathways`)).body);
  expect(done).toContain('Partner badge: earned (42 ECTS)');
  expect(done).toContain('completed: composite credential awarded');
});
