// The composite award on real PostgreSQL with two nodes: a second server process on the same
// database runs background jobs too, so two components issued at the same moment are issued and
// checked on either node, and give one composite; ten simultaneous checks from two connection
// pools give one; a revoked component flags the composite for
// a coordinator, who keeps or revokes it, and nothing changes it silently.
import { conformanceProblems } from '../../src/badges/conformance';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '../../src/db/schema';
import { PathwayStore } from '../../src/pathways/store';
import { StatusLists } from '../../src/badges/statusLists';
import { type ChildTool, startChildTool } from '../support/childTool';
import { acceptComplete, launchAs, type Person, until } from '../assessment/support';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { inCourseB, openPathway, type TwoCourses, twoCourses } from './support';

let tool: TestTool;
let node2: ChildTool;
let pool2: pg.Pool;
/** The pathway store as another node has it: its own connection pool on the same database. */
let pathways2: PathwayStore;
let sim: PlatformSimulator;
let courses: TwoCourses;
const admin = { label: 'admin:1', userId: null };

beforeAll(async () => {
  tool = await startTestTool();
  // A second node on the same database, running its own background jobs.
  node2 = await startChildTool(tool);
  pool2 = new pg.Pool({ connectionString: tool.config.databaseUrl, max: 10 });
  const db2 = drizzle(pool2, { schema });
  pathways2 = new PathwayStore(db2, { publicUrl: tool.base, signer: tool.badges, statusBits: new StatusLists(db2) });
  sim = await connectLms(tool, 'moodle-4.5');
  await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
  courses = await twoCourses(tool, sim);
});
afterAll(async () => {
  await node2?.kill('SIGTERM');
  await pool2?.end();
  await tool?.stop();
  await sim?.stop();
});

const q = (text: string, params: unknown[] = []) => tool.database.pool.query(text, params).then((r) => r.rows);

async function learnerInBoth(who: 'learner' | 'learner2'): Promise<{ a: Person; b: Person }> {
  const a = await launchAs(tool, sim, who);
  const b = await inCourseB(sim, () => launchAs(tool, sim, who));
  return { a, b };
}

it('awards one composite when two components are issued at the same moment on two nodes', async () => {
  const pathway = await tool.pathways.create(openPathway(courses.credA, courses.credB), admin);
  await tool.pathways.publish(pathway.id, admin);
  const { a, b } = await learnerInBoth('learner');
  // Both accepted at once, in two courses: each award's issuance and pathway check run on whichever node takes the job.
  await Promise.all([acceptComplete(tool, courses.teacherA, a, courses.credA), acceptComplete(tool, courses.teacherB, b, courses.credB)]);
  const [award] = await until('the composite', async () => {
    const rows = await q('SELECT * FROM pathway_awards WHERE learner_id = $1', [a.userId]);
    return rows.length ? rows : undefined;
  });
  // Give every pending check time to finish, then count.
  await until('both issued', async () => ((await q('SELECT id FROM issued_credentials WHERE learner_id = $1', [a.userId])).length === 2 ? true : undefined));
  await new Promise((r) => setTimeout(r, 1500));
  expect(await q('SELECT id FROM pathway_awards WHERE learner_id = $1', [a.userId])).toHaveLength(1);
  expect(await q("SELECT id FROM audit_log WHERE action = 'pathway.awarded' AND (after->>'learnerId')::int = $1", [a.userId])).toHaveLength(1);

  // The composite: an OB 3.0 credential for the pathway's achievement, 3 + 3 credits, both components referenced.
  const c = award.credential;
  expect(conformanceProblems(c)).toEqual([]);
  expect(c.credentialSubject.achievement.id).toBe(`${tool.base}/pathways/${pathway.id}`);
  expect(c.credentialSubject.achievement.name).toBe('Data Steward (pathway)');
  expect(c.credentialSubject.creditsEarned).toBe(6);
  const issued = (await q('SELECT id FROM issued_credentials WHERE learner_id = $1', [a.userId])).map((r) => `urn:uuid:${r.id}`);
  expect(
    c.evidence
      .filter((e: { genre?: string }) => e.genre === 'Component credential')
      .map((e: { id: string }) => e.id)
      .sort(),
  ).toEqual(issued.sort());
  expect(award.components.sort()).toEqual(issued.sort());
  const report = await tool.verifier.verify(c);
  expect(report.checks.filter((x) => x.status === 'failed')).toEqual([]);
  expect(report.verified).toBe(true);
});

it('gives one composite for ten simultaneous checks of one learner across two nodes', async () => {
  // A draft pathway over the same two credentials: nothing is awarded while it is a draft.
  const draft = await tool.pathways.create({ ...openPathway(courses.credA, courses.credB), title: 'Data Steward, second intake' }, admin);
  const { a, b } = await learnerInBoth('learner2');
  await acceptComplete(tool, courses.teacherA, a, courses.credA);
  await acceptComplete(tool, courses.teacherB, b, courses.credB);
  await until('both issued', async () => ((await q('SELECT id FROM issued_credentials WHERE learner_id = $1', [a.userId])).length === 2 ? true : undefined));
  // learner2 already completed the first pathway through the jobs; the second is published now and checked ten times at once.
  await until('the first composite', async () => ((await q('SELECT id FROM pathway_awards WHERE learner_id = $1', [a.userId])).length ? true : undefined));
  await tool.pathways.publish(draft.id, admin);
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? tool.pathways : pathways2).reconcile(a.userId)));
  const rows = await q('SELECT id FROM pathway_awards WHERE learner_id = $1 AND pathway_id = $2', [a.userId, draft.id]);
  expect(rows).toHaveLength(1);
  // Whichever check awarded it, no other one did (the job-started checks may have got there first).
  expect(results.flatMap((r) => r.awarded).filter((id) => id === rows[0].id).length).toBeLessThanOrEqual(1);
  expect(await q("SELECT id FROM outbox_events WHERE type = 'pathway.awarded' AND subject_id = $1", [rows[0].id])).toHaveLength(1);
});

it('refuses a second composite for the same pathway and learner in the database itself', async () => {
  const [row] = await q('SELECT * FROM pathway_awards LIMIT 1');
  await expect(
    q(
      `INSERT INTO pathway_awards (pathway_id, learner_id, uuid, credential, jwt, status_list_id, status_index, signing_key_id, components, credits, issued_at)
       VALUES ($1, $2, gen_random_uuid()::text, '{}', 'x', $3, $4 + 1, $5, '[]', '0', now())`,
      [row.pathway_id, row.learner_id, row.status_list_id, 999_000, row.signing_key_id],
    ),
  ).rejects.toThrow(/pathway_awards_pathway_learner_uq/);
});

it('flags the composite when a component is revoked; the coordinator keeps it or revokes it, with a reason', async () => {
  const [award] = await q('SELECT * FROM pathway_awards ORDER BY id LIMIT 1');
  const before = JSON.stringify(award.credential);
  const componentUuid = award.components[0].slice('urn:uuid:'.length);
  await tool.badges.setRevoked(componentUuid, true, { label: 'user:1', userId: null }, 'Plagiarism found after the award.');
  const flagged = await until('the flag', async () => {
    const [r] = await q('SELECT * FROM pathway_awards WHERE id = $1', [award.id]);
    return r.flagged_at ? r : undefined;
  });
  expect(flagged.flag_reason).toBe('A component was revoked: Research Data Management.');
  // Never changed silently: the same credential, not revoked.
  expect(JSON.stringify(flagged.credential)).toBe(before);
  expect(flagged.revoked_at).toBeNull();

  await expect(tool.pathways.decide(award.id, 'keep', '  ', admin)).rejects.toMatchObject({ code: 'DECISION_REASON_REQUIRED' });
  const kept = await tool.pathways.decide(award.id, 'keep', 'The remaining credits still meet the programme’s rules.', admin);
  expect(kept.decision).toBe('kept');
  expect(kept.flaggedAt).toBeNull();
  expect(kept.reviewedRevocations).toEqual([award.components[0]]);
  // Checking again does not flag it for the revocation already decided on.
  await tool.pathways.reconcile(award.learner_id);
  expect((await q('SELECT flagged_at FROM pathway_awards WHERE id = $1', [award.id]))[0].flagged_at).toBeNull();

  // The second component revoked too: flagged again; this time the coordinator revokes, and the status bit is set.
  await tool.badges.setRevoked(award.components[1].slice('urn:uuid:'.length), true, { label: 'user:1', userId: null }, 'Issued in error.');
  await until('the second flag', async () => ((await q('SELECT flagged_at FROM pathway_awards WHERE id = $1', [award.id]))[0].flagged_at ? true : undefined));
  const revoked = await tool.pathways.decide(award.id, 'revoke', 'No component is left.', admin);
  expect(revoked.decision).toBe('revoked');
  expect(revoked.revokedAt).not.toBeNull();
  const report = await tool.verifier.verify(award.credential);
  expect(report.revoked).toBe(true);
  expect(
    await q("SELECT after->>'reason' AS reason FROM audit_log WHERE action IN ('pathway.kept', 'pathway.revoked') AND entity_id = $1 ORDER BY id", [award.id]),
  ).toEqual([{ reason: 'The remaining credits still meet the programme’s rules.' }, { reason: 'No component is left.' }]);
});
