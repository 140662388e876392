import { can } from '../../src/web/authz';

describe('can', () => {
  it.each([
    ['instructor', 1, 'course:design', true],
    ['instructor', 1, 'course:read', true],
    ['learner', 1, 'course:read', true],
    ['learner', 1, 'course:design', false],
    ['admin', 1, 'course:read', false],
    ['admin', 1, 'course:design', false],
    ['instructor', null, 'course:design', false],
    ['learner', null, 'course:read', false],
  ] as const)('%s in course %s → %s: %s', (appRole, courseId, capability, expected) => {
    expect(can({ appRole, courseId }, capability)).toBe(expected);
  });
});
