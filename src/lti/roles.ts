// Maps LTI role URIs to what the tool needs to know. Pure: no express, no SQL.
// Covers the LIS v2 context (membership), institution and system vocabularies, the
// deprecated short names LTI 1.3 still allows, and what Moodle and Canvas actually send.
export type AppRole = 'instructor' | 'learner' | 'admin';

export interface RoleSummary {
  /** What the landing page shows. */
  appRole: AppRole;
  /** Instructor, teaching assistant, content developer or course administrator in this course. */
  courseStaff: boolean;
  learner: boolean;
  /** Administrator of the LMS itself (institution or system). */
  lmsAdmin: boolean;
}

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

/** Reduces a role URI to `vocabulary#Role` (or `vocabulary#Role#SubRole`) for matching. */
function normalise(role: string): string {
  const r = role.trim();
  if (r.startsWith(LIS)) {
    const rest = r.slice(LIS.length); // membership#Instructor, membership/Instructor#TeachingAssistant, system/person#Administrator
    const [vocabPath, name] = rest.split('#');
    if (!name) return rest;
    const [vocab, parent] = vocabPath.split('/');
    if (vocab === 'membership' && parent) return `membership#${parent}#${name}`;
    return `${vocab === 'membership' ? 'membership' : vocabPath}#${name}`;
  }
  // Short names are context roles (LTI 1.3 §A.2.2, deprecated but sent by some LMSs).
  if (/^[A-Za-z]+$/.test(r)) return `membership#${r}`;
  return r;
}

const STAFF = new Set(['Instructor', 'TeachingAssistant', 'ContentDeveloper', 'Administrator', 'Manager']);
// Mentors observe a learner; they are not course staff who design credentials, so they are not listed.
const LEARNER = new Set(['Learner', 'Student', 'Member']);

export function summariseRoles(roles: readonly string[] | undefined): RoleSummary {
  let courseStaff = false;
  let learner = false;
  let lmsAdmin = false;
  for (const raw of roles ?? []) {
    const n = normalise(raw);
    const [vocab, name, sub] = n.split('#');
    if (vocab === 'membership') {
      // membership/Instructor#TeachingAssistant → parent Instructor; membership/Learner#Learner → Learner.
      if (STAFF.has(name) || (sub && ['TeachingAssistant', 'Grader'].includes(sub))) courseStaff = true;
      if (LEARNER.has(name)) learner = true;
    } else if (vocab === 'system/person' || vocab === 'institution/person') {
      if (['Administrator', 'SysAdmin', 'SysSupport', 'AccountAdmin'].includes(name)) lmsAdmin = true;
    }
  }
  const appRole: AppRole = courseStaff ? 'instructor' : learner ? 'learner' : lmsAdmin ? 'admin' : 'learner';
  return { appRole, courseStaff, learner, lmsAdmin };
}

/**
 * The course's own teacher: the context role Instructor itself, not one of its sub-roles
 * (teaching assistant, grader, external examiner). Used for independent assessment.
 */
export function isCourseTeacher(roles: readonly string[] | undefined): boolean {
  return (roles ?? []).some((raw) => {
    const [vocab, name, sub] = normalise(raw).split('#');
    return vocab === 'membership' && name === 'Instructor' && !sub;
  });
}
