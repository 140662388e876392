// Credential-design storage on real PostgreSQL: course scoping, optimistic locking,
// versioning and the database constraints that keep one draft per credential.
import { CourseOutcomeStore, CredentialStore } from '../../src/credentials/store';
import type { CredentialDefinition } from '../../src/credentials/model';
import { startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let outcomes: CourseOutcomeStore;
let creds: CredentialStore;
let courseA: number;
let courseB: number;
let courseC: number;
let teacher: number;
let other: number;

beforeAll(async () => {
  tool = await startTestTool();
  outcomes = new CourseOutcomeStore(tool.database.db);
  creds = new CredentialStore(tool.database.db);
  const q = (sql: string, p: unknown[] = []) => tool.database.pool.query(sql, p);
  const {
    rows: [p],
  } = await q(
    `INSERT INTO platforms (name, issuer, client_id, auth_login_url, access_token_url, jwks_url) VALUES ('P', 'https://lms.example', 'c', 'https://lms.example/a', 'https://lms.example/t', 'https://lms.example/k') RETURNING id`,
  );
  const course = async (ctx: string) =>
    (await q(`INSERT INTO courses (platform_id, deployment_id, context_id, title) VALUES ($1, 'd', $2, $2) RETURNING id`, [p.id, ctx])).rows[0].id;
  const user = async (sub: string) => (await q(`INSERT INTO lti_users (platform_id, sub) VALUES ($1, $2) RETURNING id`, [p.id, sub])).rows[0].id;
  [courseA, courseB, courseC] = [await course('A'), await course('B'), await course('C')];
  [teacher, other] = [await user('t'), await user('o')];
  await q(`INSERT INTO course_members (course_id, user_id, app_role) VALUES ($1, $3, 'instructor'), ($2, $3, 'instructor'), ($4, $3, 'learner')`, [
    courseA,
    courseB,
    teacher,
    courseC,
  ]);
});
afterAll(() => tool?.stop());

describe('course outcomes', () => {
  it('adds in order, keeps codes unique per course, and never reaches into another course', async () => {
    const a1 = await outcomes.create(courseA, { code: 'LO1', title: 'Pipette accurately', description: '' });
    const a2 = await outcomes.create(courseA, { code: 'LO2', title: 'Keep a lab notebook', description: '' });
    expect([a1.position, a2.position]).toEqual([1, 2]);
    await expect(outcomes.create(courseA, { code: 'LO1', title: 'x', description: '' })).rejects.toMatchObject({ code: 'OUTCOME_CODE_TAKEN', status: 409 });
    // The same code in another course is fine.
    await outcomes.create(courseB, { code: 'LO1', title: 'Other course', description: '' });
    await expect(outcomes.get(courseB, a1.id)).rejects.toMatchObject({ status: 404 });
    await expect(outcomes.update(courseB, a1.id, a1.lockVersion, { code: 'X', title: 'hijack', description: '' })).rejects.toMatchObject({ status: 404 });
    expect((await outcomes.get(courseA, a1.id)).title).toBe('Pipette accurately');
  });

  it('refuses a stale edit instead of silently overwriting', async () => {
    const o = await outcomes.create(courseA, { code: 'LO3', title: 'First', description: '' });
    const first = await outcomes.update(courseA, o.id, o.lockVersion, { code: 'LO3', title: 'Edited by one', description: '' });
    expect(first.lockVersion).toBe(o.lockVersion + 1);
    await expect(outcomes.update(courseA, o.id, o.lockVersion, { code: 'LO3', title: 'Edited by two', description: '' })).rejects.toMatchObject({
      code: 'EDIT_CONFLICT',
      status: 409,
    });
    expect((await outcomes.get(courseA, o.id)).title).toBe('Edited by one');
  });

  it('archives and restores, and reorders only with the complete list', async () => {
    const list = await outcomes.list(courseA);
    const last = list[list.length - 1];
    const archived = await outcomes.setArchived(courseA, last.id, last.lockVersion, true);
    expect((await outcomes.list(courseA)).map((o) => o.id)).not.toContain(last.id);
    expect((await outcomes.list(courseA, { includeArchived: true })).map((o) => o.id)).toContain(last.id);
    await outcomes.setArchived(courseA, last.id, archived.lockVersion, false);
    const ids = (await outcomes.list(courseA)).map((o) => o.id);
    await outcomes.reorder(courseA, [...ids].reverse());
    expect((await outcomes.list(courseA)).map((o) => o.id)).toEqual([...ids].reverse());
    await expect(outcomes.reorder(courseA, ids.slice(1))).rejects.toMatchObject({ code: 'EDIT_CONFLICT' });
  });

  it('imports all or nothing', async () => {
    const before = (await outcomes.list(courseA)).length;
    await expect(
      outcomes.createMany(courseA, [
        { code: 'NEW1', title: 'n', description: '' },
        { code: 'LO1', title: 'clash', description: '' },
      ]),
    ).rejects.toMatchObject({ code: 'OUTCOME_CODE_TAKEN' });
    expect((await outcomes.list(courseA)).length).toBe(before);
    await outcomes.createMany(courseA, [{ code: 'NEW1', title: 'n', description: '' }]);
    expect((await outcomes.list(courseA)).length).toBe(before + 1);
  });

  it('copies from another course the user teaches, skipping codes already present', async () => {
    expect((await outcomes.coursesTaughtBy(teacher, courseA)).map((c) => c.id)).toEqual([courseB]);
    // The teacher is only a learner in C: C is not a source they may copy from.
    await expect(outcomes.copyFromCourse(courseA, courseC, teacher)).rejects.toMatchObject({ status: 403, code: 'NOT_COURSE_STAFF' });
    const copied = await outcomes.copyFromCourse(courseB, courseA, teacher);
    expect(copied.skipped).toEqual(['LO1']);
    expect(copied.copied).toBe((await outcomes.list(courseA)).length - 1);
    await expect(outcomes.copyFromCourse(courseB, courseA, other)).rejects.toMatchObject({ status: 403 });
  });
});

describe('credential versions', () => {
  const def = (title: string) => ({ title }) as CredentialDefinition;

  it('edits a draft with optimistic locking, and keeps other courses out', async () => {
    const { credentialId, version } = await creds.create(courseA, teacher, def('Lab skills'));
    const saved = await creds.saveDraft(courseA, credentialId, { versionId: version.id, lockVersion: version.lockVersion }, def('Lab skills I'), teacher);
    await expect(
      creds.saveDraft(courseA, credentialId, { versionId: version.id, lockVersion: version.lockVersion }, def('Stale'), other),
    ).rejects.toMatchObject({ code: 'EDIT_CONFLICT' });
    expect((await creds.get(courseA, credentialId)).draft?.definition).toEqual(def('Lab skills I'));
    await expect(creds.get(courseB, credentialId)).rejects.toMatchObject({ status: 404 });
    await expect(creds.saveDraft(courseB, credentialId, { versionId: saved.id, lockVersion: saved.lockVersion }, def('x'), other)).rejects.toMatchObject({
      status: 404,
    });
    // Learners see no drafts.
    expect(await creds.listForCourse(courseA, { publishedOnly: true })).toEqual([]);
    await expect(creds.get(courseA, credentialId, { publishedOnly: true })).rejects.toMatchObject({ status: 404 });
  });

  it('publishing freezes a version; edits start a new draft; the old version stays until the new one is published', async () => {
    const { credentialId, version } = await creds.create(courseA, teacher, def('Data literacy'));
    await expect(
      creds.publish(courseA, credentialId, { versionId: version.id, lockVersion: version.lockVersion }, teacher, () => {
        throw Object.assign(new Error('Not ready: workload missing'), { status: 422 });
      }),
    ).rejects.toThrow('Not ready');
    const v1 = await creds.publish(courseA, credentialId, { versionId: version.id, lockVersion: version.lockVersion }, teacher, () => undefined);
    expect(v1.status).toBe('published');

    const v2 = await creds.saveDraft(
      courseA,
      credentialId,
      { versionId: v1.id, lockVersion: v1.lockVersion },
      def('Data literacy (2027)'),
      teacher,
      'Title updated',
    );
    expect(v2).toMatchObject({ versionNo: 2, status: 'draft' });
    // A second editor who also started from v1 cannot start a competing draft.
    await expect(creds.saveDraft(courseA, credentialId, { versionId: v1.id, lockVersion: v1.lockVersion }, def('Competing'), other)).rejects.toMatchObject({
      code: 'EDIT_CONFLICT',
    });

    const learnerView = await creds.get(courseA, credentialId, { publishedOnly: true });
    expect(learnerView.published?.definition).toEqual(def('Data literacy'));
    expect(learnerView.draft).toBeUndefined();

    await creds.publish(courseA, credentialId, { versionId: v2.id, lockVersion: v2.lockVersion }, teacher, () => undefined);
    const after = await creds.get(courseA, credentialId);
    expect(after.versions.map((v) => [v.versionNo, v.status])).toEqual([
      [2, 'published'],
      [1, 'superseded'],
    ]);
    const log = await creds.changeLog(courseA, credentialId);
    expect(log.map((c) => c.action)).toEqual(['published', 'new-version', 'published', 'created']);
  });

  it('lets only one of two simultaneous new-draft saves win (database constraint)', async () => {
    const { credentialId, version } = await creds.create(courseA, teacher, def('Concurrency'));
    const v1 = await creds.publish(courseA, credentialId, { versionId: version.id, lockVersion: version.lockVersion }, teacher, () => undefined);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => creds.saveDraft(courseA, credentialId, { versionId: v1.id, lockVersion: v1.lockVersion }, def(`Edit ${i}`), teacher)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'EDIT_CONFLICT')).toBe(true);
    const { rows } = await tool.database.pool.query(`SELECT count(*)::int AS n FROM credential_versions WHERE credential_id = $1 AND status = 'draft'`, [
      credentialId,
    ]);
    expect(rows[0].n).toBe(1);
  });
});
