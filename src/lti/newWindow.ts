// What a person is offered when the LMS frame keeps no cookie at all (Safari): the tool in a
// window of its own, opened by a FRESH launch through the LMS. The old login's
// lti_message_hint is never sent again: Moodle (mod/lti/auth.php) and Canvas
// (Lti::RedisMessageClient#fetch_and_delete_launch) accept each hint once. Where the tool
// cannot know how to start a fresh launch, the page says what to change in the LMS instead.
// Pure: it reads only what the login initiation and the launch said.

/** Whose words the instructions use: the LMS's own names for the setting. */
export type LmsWording = 'moodle' | 'canvas' | 'other';

export type NewWindow =
  /** The LMS's own launch address for the activity, opened in a new window (Moodle: mod/lti/launch.php?id=<cmid>). */
  | { kind: 'lms-link'; href: string; lms: LmsWording }
  /** Canvas's page opens the tool afresh in a new window when it receives requestFullWindowLaunch. */
  | { kind: 'canvas-request'; url: string; placement: string | null; lms: 'canvas' }
  /** Nothing the tool can open: the page says what to set in the LMS. */
  | { kind: 'instructions'; lms: LmsWording; deepLinking: boolean };

export interface NewWindowInput {
  /** The platform's LMS family as registered (src/lti/platforms.ts LMS_FAMILIES). */
  lmsFamily: string;
  /** The platform's issuer: Moodle's is its wwwroot. */
  issuer: string;
  /** The login initiation's parameters (lti_message_hint, target_link_uri, …). */
  loginParams: Record<string, string>;
  /** LtiResourceLinkRequest or LtiDeepLinkingRequest, when known. */
  messageType?: string;
  /** Canvas's https://www.instructure.com/placement claim, when known. */
  placement?: string;
}

const DEEP_LINKING = 'LtiDeepLinkingRequest';

const wording = (lmsFamily: string): LmsWording => (lmsFamily === 'moodle' || lmsFamily === 'canvas' ? lmsFamily : 'other');

const httpUrl = (value: string | undefined): URL | undefined => {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The course module a Moodle lti_message_hint names. Moodle 4.x sends
 * json_encode(['cmid' => $cmid, 'launchid' => $launchid]) for an activity and no cmid for a
 * deep-linking (content item) request (mod/lti/locallib.php lti_build_login_request()).
 */
export function moodleCourseModule(messageHint: string | undefined): number | undefined {
  if (!messageHint) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(messageHint);
  } catch {
    return undefined;
  }
  const cmid = (parsed as { cmid?: unknown } | null)?.cmid;
  const n = typeof cmid === 'number' ? cmid : typeof cmid === 'string' && /^\d+$/.test(cmid) ? Number(cmid) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function newWindowFallback(input: NewWindowInput): NewWindow {
  const lms = wording(input.lmsFamily);
  const deepLinking = input.messageType === DEEP_LINKING;
  if (deepLinking) return { kind: 'instructions', lms, deepLinking };
  if (lms === 'moodle') {
    // The issuer is Moodle's $CFG->wwwroot, which may include a path (https://uni.example/moodle).
    const wwwroot = httpUrl(input.issuer);
    const cmid = moodleCourseModule(input.loginParams.lti_message_hint);
    if (wwwroot && cmid !== undefined) return { kind: 'lms-link', href: `${wwwroot.toString().replace(/\/+$/, '')}/mod/lti/launch.php?id=${cmid}`, lms };
  }
  if (lms === 'canvas') {
    const url = httpUrl(input.loginParams.target_link_uri);
    if (url) return { kind: 'canvas-request', url: url.toString(), placement: input.placement ?? null, lms };
  }
  return { kind: 'instructions', lms, deepLinking: false };
}
