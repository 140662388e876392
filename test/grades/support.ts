// Learners with decided work for grade passback tests: many at once, through the store.
import { identityFromLaunch } from '../../src/assessment/identity';
import { PASSING_LEVELS, type Person, submitComplete } from '../assessment/support';
import type { TestTool } from '../support/tool';

/** `n` learners of the teacher's course, as the roster would have them (they need not launch). */
export async function rosterLearners(tool: TestTool, teacher: Person, n: number): Promise<Person[]> {
  const q = (text: string, params: unknown[]) => tool.database.pool.query(text, params).then((r) => r.rows);
  const [course] = await q('SELECT platform_id FROM courses WHERE id = $1', [teacher.courseId]);
  const users = await q(
    "INSERT INTO lti_users (platform_id, sub, name, email) SELECT $1, 'u-gen-' || g, 'Learner ' || g, 'learner' || g || '@uni.example' FROM generate_series(1, $2) g ON CONFLICT (platform_id, sub) DO UPDATE SET name = excluded.name RETURNING id",
    [course.platform_id, n],
  );
  for (const u of users)
    await q("INSERT INTO course_members (course_id, user_id, app_role) VALUES ($1, $2, 'learner') ON CONFLICT DO NOTHING", [teacher.courseId, u.id]);
  return users.map((u) => ({ browser: teacher.browser, base: teacher.base, userId: u.id, courseId: teacher.courseId }));
}

/** Decides a learner's submitted attempt: accept at the pass levels, or return/reject at the lowest. */
export async function decideAttempt(
  tool: TestTool,
  teacher: Person,
  learner: Person,
  submission: { id: number; lockVersion: number },
  decision: 'accept' | 'return' | 'reject',
) {
  const levels = decision === 'accept' ? PASSING_LEVELS : { 'crit-plan': 'plan-1', 'crit-publish': 'pub-1' };
  const identity = identityFromLaunch({ platformName: 'Moodle test', id: 'launch-1' }, new Date(), teacher.userId);
  return tool.assessment.decide(learner.courseId, submission.id, teacher.userId, {
    decision,
    levels,
    criterionComments: {},
    overallComment: 'Feedback',
    identity,
    lockVersion: submission.lockVersion,
  });
}

export { submitComplete };
