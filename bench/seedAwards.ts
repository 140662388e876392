// Awards for the benches, inserted directly (assessment is not what is measured): N learners
// of one published credential in one course, each with an accepted attempt and its award.
import { completeDefinition } from '../test/credentials/fixtures';
import type { startTestTool } from '../test/support/tool';

/** N awards for N learners of one published credential, inserted directly (assessment is not what is measured). */
export async function seedAwards(tool: Awaited<ReturnType<typeof startTestTool>>, n: number): Promise<number[]> {
  const q = (text: string, params: unknown[] = []) => tool.database.pool.query(text, params).then((r) => r.rows);
  const [platform] = await q(
    "INSERT INTO platforms (name, issuer, client_id, auth_login_url, access_token_url, jwks_url) VALUES ('Bench', 'https://lms.bench', 'c', 'https://lms.bench/a', 'https://lms.bench/t', 'https://lms.bench/j') RETURNING id",
  );
  const [course] = await q("INSERT INTO courses (platform_id, deployment_id, context_id, title) VALUES ($1, 'd', 'c1', 'Bench course') RETURNING id", [
    platform.id,
  ]);
  const [teacher] = await q("INSERT INTO lti_users (platform_id, sub, name) VALUES ($1, 'teacher', 'Teacher') RETURNING id", [platform.id]);
  const [cred] = await q('INSERT INTO credentials (course_id, created_by) VALUES ($1, $2) RETURNING id', [course.id, teacher.id]);
  const [version] = await q("INSERT INTO credential_versions (credential_id, version_no, status, definition) VALUES ($1, 1, 'published', $2) RETURNING id", [
    cred.id,
    JSON.stringify(completeDefinition()),
  ]);
  const learners = await q(
    "INSERT INTO lti_users (platform_id, sub, name, email) SELECT $1, 'learner-' || g, 'Learner ' || g, 'learner' || g || '@bench.example' FROM generate_series(1, $2) g RETURNING id",
    [platform.id, n],
  );
  const ids: number[] = [];
  const identity = JSON.stringify({
    method: 'online-supervisor',
    identityVerified: true,
    attestedBy: 'Ivo',
    attestedAt: new Date().toISOString(),
    factors: 1,
    recordedById: teacher.id,
  });
  const results = JSON.stringify([
    { criterionId: 'crit-plan', criterion: 'Data management plan', levelId: 'plan-3', level: 'Competent', points: 2, maxPoints: 3, weight: 1, passed: true },
    { criterionId: 'crit-publish', criterion: 'FAIR publication', levelId: 'pub-2', level: 'Sufficient', points: 2, maxPoints: 4, weight: 2, passed: true },
  ]);
  for (const l of learners) {
    const [sub] = await q(
      "INSERT INTO submissions (course_id, credential_id, credential_version_id, learner_id, attempt_no, status) VALUES ($1, $2, $3, $4, 1, 'accepted') RETURNING id",
      [course.id, cred.id, version.id, l.id],
    );
    const [a] = await q(
      "INSERT INTO assessments (submission_id, assessor_id, role, status, decision, identity) VALUES ($1, $2, 'primary', 'completed', 'accept', $3) RETURNING id",
      [sub.id, teacher.id, identity],
    );
    const [award] = await q(
      'INSERT INTO awards (course_id, credential_id, credential_version_id, learner_id, submission_id, assessment_id, assessor_id, rubric_results, evidence_refs, identity, grade) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id',
      [
        course.id,
        cred.id,
        version.id,
        l.id,
        sub.id,
        a.id,
        teacher.id,
        results,
        '[]',
        identity,
        JSON.stringify({ text: '54.5%', points: 6, maxPoints: 11, percent: 54.5 }),
      ],
    );
    ids.push(award.id);
  }
  return ids;
}
