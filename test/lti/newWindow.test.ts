// The new-window fallback's choice, from what the login and the launch said (no database).
import { moodleCourseModule, newWindowFallback } from '../../src/lti/newWindow';

const moodleHint = (o: Record<string, unknown>) => JSON.stringify(o);

describe('moodleCourseModule', () => {
  it("reads the cmid of Moodle 4.x's JSON hint, as a number or digits", () => {
    expect(moodleCourseModule(moodleHint({ cmid: 42, launchid: 'ltilaunch3_123' }))).toBe(42);
    expect(moodleCourseModule(moodleHint({ cmid: '42', launchid: 'ltilaunch3_123' }))).toBe(42);
  });

  it('finds none in a deep-linking hint, an old or foreign hint, or nonsense', () => {
    for (const hint of [
      moodleHint({ launchid: 'ltilaunch_ContentItemSelectionRequest9' }),
      '42',
      'resource-link',
      'eyJ0eXAiOiJKV1Qi.x.y',
      moodleHint({ cmid: -1 }),
      moodleHint({ cmid: '7 OR 1=1' }),
      moodleHint({ cmid: 1.5 }),
      'null',
      '',
      undefined,
    ]) {
      expect(moodleCourseModule(hint)).toBeUndefined();
    }
  });
});

describe('newWindowFallback', () => {
  const resourceLink = 'LtiResourceLinkRequest';

  it("Moodle: the activity's own launch address under wwwroot, also when Moodle lives in a folder", () => {
    const loginParams = { lti_message_hint: moodleHint({ cmid: 7, launchid: 'ltilaunch1_5' }) };
    expect(newWindowFallback({ lmsFamily: 'moodle', issuer: 'https://moodle.uni.example', loginParams, messageType: resourceLink })).toEqual({
      kind: 'lms-link',
      href: 'https://moodle.uni.example/mod/lti/launch.php?id=7',
      lms: 'moodle',
    });
    expect(newWindowFallback({ lmsFamily: 'moodle', issuer: 'https://www.uni.example/moodle/', loginParams, messageType: resourceLink })).toEqual({
      kind: 'lms-link',
      href: 'https://www.uni.example/moodle/mod/lti/launch.php?id=7',
      lms: 'moodle',
    });
  });

  it('Moodle without a course module, or a deep-linking launch anywhere: instructions, never the old login again', () => {
    expect(newWindowFallback({ lmsFamily: 'moodle', issuer: 'https://m.example', loginParams: { lti_message_hint: 'x' }, messageType: resourceLink })).toEqual({
      kind: 'instructions',
      lms: 'moodle',
      deepLinking: false,
    });
    expect(
      newWindowFallback({
        lmsFamily: 'moodle',
        issuer: 'https://m.example',
        loginParams: { lti_message_hint: moodleHint({ cmid: 7, launchid: 'l' }) },
        messageType: 'LtiDeepLinkingRequest',
      }),
    ).toEqual({ kind: 'instructions', lms: 'moodle', deepLinking: true });
    expect(
      newWindowFallback({
        lmsFamily: 'canvas',
        issuer: 'https://canvas.instructure.com',
        loginParams: { target_link_uri: 'https://tool.example/lti/launch' },
        messageType: 'LtiDeepLinkingRequest',
      }),
    ).toEqual({ kind: 'instructions', lms: 'canvas', deepLinking: true });
  });

  it("Canvas: a requestFullWindowLaunch for the tool's launch address and the placement", () => {
    expect(
      newWindowFallback({
        lmsFamily: 'canvas',
        issuer: 'https://canvas.instructure.com',
        loginParams: { target_link_uri: 'https://tool.example/lti/launch' },
        messageType: resourceLink,
        placement: 'course_navigation',
      }),
    ).toEqual({
      kind: 'canvas-request',
      url: 'https://tool.example/lti/launch',
      placement: 'course_navigation',
      lms: 'canvas',
    });
    expect(
      newWindowFallback({
        lmsFamily: 'canvas',
        issuer: 'https://canvas.instructure.com',
        loginParams: { target_link_uri: 'javascript:alert(1)' },
        messageType: resourceLink,
      }),
    ).toEqual({ kind: 'instructions', lms: 'canvas', deepLinking: false });
  });

  it('another LMS: the "New window" instructions in general words', () => {
    expect(
      newWindowFallback({
        lmsFamily: 'brightspace',
        issuer: 'https://d2l.example',
        loginParams: { lti_message_hint: moodleHint({ cmid: 7, launchid: 'l' }) },
        messageType: resourceLink,
      }),
    ).toEqual({ kind: 'instructions', lms: 'other', deepLinking: false });
  });
});
