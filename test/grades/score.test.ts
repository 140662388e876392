// The score sent to the LMS, from the state of a learner's work: pure.
import { buildScore, notGradable, scoresUrl } from '../../src/grades/passback';
import { completeDefinition } from '../credentials/fixtures';

const submittedAt = new Date('2026-11-20T10:00:00.000Z');
const decidedAt = new Date('2026-11-21T09:30:00.000Z');
const base = { userSub: 'u-1', definition: completeDefinition(), lmsFamily: 'moodle', publicUrl: 'https://mc.example' };
const passing = { 'crit-plan': 'plan-3', 'crit-publish': 'pub-2' };

it('reports a submission as waiting for manual grading, with no score', () => {
  const r = buildScore({ ...base, latest: { status: 'submitted', submittedAt, decidedAt: null } })!;
  expect(r.score).toEqual({ userId: 'u-1', activityProgress: 'Submitted', gradingProgress: 'PendingManual', timestamp: submittedAt.toISOString() });
});

it('sends the weighted rubric points when the credential shows a grade, and pass/fail otherwise', () => {
  const graded = buildScore({ ...base, latest: { status: 'accepted', submittedAt, decidedAt }, decision: { decision: 'accept', levels: passing } })!;
  expect(graded.score).toMatchObject({
    scoreGiven: 6,
    scoreMaximum: 11,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: decidedAt.toISOString(),
    comment: 'Awarded.',
  });
  const passFail = buildScore({
    ...base,
    definition: { ...completeDefinition(), gradeShown: false },
    latest: { status: 'rejected', submittedAt, decidedAt },
    decision: { decision: 'reject', levels: passing },
  })!;
  expect(passFail.score).toMatchObject({ scoreGiven: 0, scoreMaximum: 1, activityProgress: 'Completed' });
  const returned = buildScore({
    ...base,
    latest: { status: 'returned', submittedAt, decidedAt },
    decision: { decision: 'return', levels: { 'crit-plan': 'plan-1', 'crit-publish': 'pub-1' } },
  })!;
  expect(returned.score).toMatchObject({ scoreGiven: 0, activityProgress: 'InProgress', gradingProgress: 'FullyGraded' });
});

it('links the badge once issued, as a later state; a revocation is later still, and a reinstatement later again', () => {
  const issued = buildScore({
    ...base,
    latest: { status: 'accepted', submittedAt, decidedAt },
    decision: { decision: 'accept', levels: passing },
    badge: { uuid: 'abc', revokedAt: null },
  })!;
  expect(issued.score.comment).toBe('Awarded. Open Badge: https://mc.example/credentials/abc');
  expect(issued.at.getTime()).toBe(decidedAt.getTime() + 1);
  const revokedAt = new Date('2026-12-01T00:00:00.000Z');
  const revoked = buildScore({
    ...base,
    latest: { status: 'accepted', submittedAt, decidedAt },
    decision: { decision: 'accept', levels: passing },
    badge: { uuid: 'abc', revokedAt },
  })!;
  expect(revoked.at).toEqual(revokedAt);
  expect(revoked.score.comment).toContain('revoked');
  // Reinstated later: a newer state again (else the LMS, holding the revocation, would keep it).
  const reinstatedAt = new Date('2026-12-02T00:00:00.000Z');
  const reinstated = buildScore({
    ...base,
    latest: { status: 'accepted', submittedAt, decidedAt },
    decision: { decision: 'accept', levels: passing },
    badge: { uuid: 'abc', revokedAt: null, statusChangedAt: reinstatedAt },
  })!;
  expect(reinstated.at).toEqual(reinstatedAt);
  expect(reinstated.score.comment).toBe('Awarded. Open Badge: https://mc.example/credentials/abc');
});

it('adds Canvas’s submission extension on Canvas only', () => {
  const canvas = buildScore({ ...base, lmsFamily: 'canvas', latest: { status: 'submitted', submittedAt, decidedAt: null } })!;
  expect(canvas.score['https://canvas.instructure.com/lti/submission']).toEqual({ new_submission: true, submitted_at: submittedAt.toISOString() });
  const moodle = buildScore({ ...base, latest: { status: 'submitted', submittedAt, decidedAt: null } })!;
  expect(moodle.score['https://canvas.instructure.com/lti/submission']).toBeUndefined();
});

it('has nothing to send for a draft, and puts /scores before a query string', () => {
  expect(buildScore({ ...base, latest: { status: 'draft', submittedAt: null, decidedAt: null } })).toBeUndefined();
  expect(scoresUrl('https://lms.example/ags/lineitems/7?type_id=3')).toBe('https://lms.example/ags/lineitems/7/scores?type_id=3');
});

it('sends scores only for the course’s learners (LMSs refuse the rest), and leaves people it does not know to the LMS', () => {
  expect(notGradable({ role: 'learner', status: 'active' })).toBeUndefined();
  expect(notGradable(undefined)).toBeUndefined();
  expect(notGradable({ role: 'instructor', status: 'active' })).toMatch(/^Not sent: in the LMS this person is no longer a learner/);
  expect(notGradable({ role: 'learner', status: 'inactive' })).toMatch(/^Not sent: this person has left the course/);
});
