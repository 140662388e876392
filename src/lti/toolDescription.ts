// What microcred tells an LMS about itself, in one place. The Canvas developer-key JSON
// (src/admin/canvas.ts) and the dynamic registration request (src/admin/registrationProtocol.ts)
// are both built from it, so either way of registering gives the LMS the same tool. Pure.

export const TOOL_NAME = 'microcred';
export const TOOL_DESCRIPTION = 'EU micro-credentials with rubrics, assessed in the course, issued as Open Badges 3.0.';

export const AGS_LINEITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';
export const AGS_LINEITEM_READ = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly';
export const AGS_RESULT_READ = 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly';
export const AGS_SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
export const NRPS_MEMBERSHIP_READ = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';

/** The LTI Advantage services microcred uses: gradebook columns and scores (AGS), the roster (NRPS). */
export const TOOL_SCOPES = [AGS_LINEITEM, AGS_LINEITEM_READ, AGS_RESULT_READ, AGS_SCORE, NRPS_MEMBERSHIP_READ];

/** Names and emails: the credential identifies the learner (Annex I element 1). */
export const TOOL_CLAIMS = ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'];

/** Canvas's privacy level for the same reason: names and emails ("public"). */
export const CANVAS_PRIVACY_LEVEL = 'public';

export type LtiMessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';

/**
 * Where microcred appears in Canvas: the course navigation opens the course's credentials;
 * choosing an assignment's or a module item's external tool picks one by deep linking.
 */
export const CANVAS_PLACEMENTS: readonly { placement: string; messageType: LtiMessageType; label: string }[] = [
  { placement: 'course_navigation', messageType: 'LtiResourceLinkRequest', label: 'Micro-credentials' },
  { placement: 'assignment_selection', messageType: 'LtiDeepLinkingRequest', label: 'Micro-credential' },
  { placement: 'link_selection', messageType: 'LtiDeepLinkingRequest', label: 'Micro-credential' },
];

/** Canvas's own ids in each launch. */
export const CANVAS_CUSTOM_FIELDS = { canvas_course_id: '$Canvas.course.id', canvas_user_id: '$Canvas.user.id' };
