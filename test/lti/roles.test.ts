import { summariseRoles } from '../../src/lti/roles';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

describe('summariseRoles', () => {
  it.each([
    [[`${LIS}membership#Instructor`], 'instructor'],
    [[`${LIS}membership/Instructor#TeachingAssistant`], 'instructor'],
    [[`${LIS}membership#ContentDeveloper`], 'instructor'],
    [[`${LIS}membership#Administrator`], 'instructor'],
    [['Instructor'], 'instructor'],
    [['TeachingAssistant'], 'instructor'],
    [[`${LIS}membership#Learner`], 'learner'],
    [[`${LIS}membership/Learner#Learner`], 'learner'],
    [['Learner'], 'learner'],
    // Canvas sends the institution role next to the context role.
    [[`${LIS}institution/person#Student`, `${LIS}membership#Learner`], 'learner'],
    [[`${LIS}membership#Mentor`], 'learner'],
    [[`${LIS}system/person#Administrator`], 'admin'],
    [[`${LIS}institution/person#Administrator`], 'admin'],
    [[`${LIS}system/person#SysAdmin`], 'admin'],
    // An LMS admin teaching a course lands on the course dashboard (and is told about the console).
    [[`${LIS}institution/person#Administrator`, `${LIS}membership#Instructor`], 'instructor'],
    [[`${LIS}institution/person#Faculty`], 'learner'],
    [[], 'learner'],
  ])('%j → %s', (roles, expected) => {
    expect(summariseRoles(roles).appRole).toBe(expected);
  });

  it('flags LMS administrators separately from course roles', () => {
    const s = summariseRoles([`${LIS}institution/person#Administrator`, `${LIS}membership#Instructor`]);
    expect(s).toEqual({ appRole: 'instructor', courseStaff: true, learner: false, lmsAdmin: true });
  });

  it('does not take a mentor for course staff', () => {
    expect(summariseRoles([`${LIS}membership#Mentor`, `${LIS}membership#Instructor`]).courseStaff).toBe(true);
    expect(summariseRoles([`${LIS}membership#Mentor`]).courseStaff).toBe(false);
  });
});
