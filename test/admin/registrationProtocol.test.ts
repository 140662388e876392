// The pure part of dynamic registration: reading an LMS's configuration and answer, and the
// request microcred sends (plain IMS, or with Canvas's extensions for Canvas).
import { familyOf, lmsName, lmsOrigins, type PlatformConfiguration, platformName, readAnswer, registrationRequest } from '../../src/admin/registrationProtocol';
import { TOOL_SCOPES } from '../../src/lti/toolDescription';

const TC = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PC = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const CANVAS = 'https://canvas.instructure.com/lti/';
const TOOL = 'https://microcred.uni.example';

const endpoints = (site: string) => ({
  issuer: site,
  authorization_endpoint: `${site}/auth`,
  token_endpoint: `${site}/token`,
  jwks_uri: `${site}/jwks`,
  registration_endpoint: `${site}/register`,
});

const moodle: PlatformConfiguration = {
  ...endpoints('https://moodle.uni.example'),
  [PC]: { product_family_code: 'moodle', version: '4.5+ (Build: 20241205)', messages_supported: ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'] },
};
const canvas: PlatformConfiguration = {
  ...endpoints('https://canvas.instructure.com'),
  registration_endpoint: 'https://uni.instructure.com/api/lti/registrations',
  [PC]: {
    product_family_code: 'canvas',
    version: 'vCloud',
    messages_supported: [
      { type: 'LtiResourceLinkRequest', placements: ['course_navigation', 'link_selection', 'assignment_selection'] },
      { type: 'LtiDeepLinkingRequest', placements: ['assignment_selection', 'link_selection'] },
    ],
    [`${CANVAS}account_name`]: 'Example University',
  },
};
const other: PlatformConfiguration = { ...endpoints('https://lms.example'), [PC]: { product_family_code: 'sakai', version: '23' } };

describe('the LMS from its configuration', () => {
  it('knows the family, and names the LMS and the platform as people know them', () => {
    expect([familyOf(moodle), familyOf(canvas), familyOf(other), familyOf(endpoints('https://x.example'))]).toEqual(['moodle', 'canvas', 'other', 'other']);
    expect(lmsName(moodle)).toBe('Moodle 4.5+ (Build: 20241205)');
    expect(lmsName(canvas)).toBe('Canvas (Example University)');
    expect(lmsName(other)).toBe('sakai 23');
    expect(platformName(moodle)).toBe('Moodle (moodle.uni.example)');
    // Every hosted Canvas has the same issuer: the account tells them apart.
    expect(platformName(canvas)).toBe('Canvas (Example University)');
  });

  it("knows the LMS's own origins, for framing and for the close message", () => {
    const https = (u: URL) => u.protocol === 'https:';
    expect(lmsOrigins(new URL('https://canvas.instructure.com/api/lti/security/openid-configuration?registration_token=x'), canvas, https)).toEqual([
      'https://canvas.instructure.com',
      'https://uni.instructure.com',
    ]);
    const withDomain = { ...canvas, [PC]: { ...canvas[PC], [`${CANVAS}account_domain`]: 'canvas.uni.example' } };
    expect(lmsOrigins(new URL('https://canvas.instructure.com/c'), withDomain, https)).toContain('https://canvas.uni.example');
    expect(
      lmsOrigins(
        new URL('https://moodle.uni.example/mod/lti/openid-configuration.php'),
        { ...moodle, registration_endpoint: 'http://moodle.uni.example/r' },
        https,
      ),
    ).toEqual(['https://moodle.uni.example']);
  });
});

describe('the registration request', () => {
  it('is the plain IMS request for every LMS but Canvas', () => {
    for (const config of [moodle, other, undefined]) {
      const req = registrationRequest(TOOL, config);
      expect(req).toMatchObject({
        application_type: 'web',
        token_endpoint_auth_method: 'private_key_jwt',
        initiate_login_uri: `${TOOL}/lti/login`,
        redirect_uris: [`${TOOL}/lti/launch`],
        jwks_uri: `${TOOL}/lti/keys`,
        scope: TOOL_SCOPES.join(' '),
      });
      const tc = req[TC] as Record<string, unknown>;
      expect(tc).toMatchObject({ domain: 'microcred.uni.example', target_link_uri: `${TOOL}/lti/launch` });
      expect(Object.keys(tc).filter((k) => k.startsWith(CANVAS))).toEqual([]);
      expect((tc.messages as { type: string }[]).map((m) => m.type)).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']);
    }
  });

  it("carries Canvas's extensions and placements per message for Canvas", () => {
    const tc = registrationRequest(TOOL, canvas)[TC] as Record<string, any>;
    expect(tc[`${CANVAS}privacy_level`]).toBe('public');
    expect(tc[`${CANVAS}tool_id`]).toBe('microcred');
    expect(tc.claims).toEqual(expect.arrayContaining(['name', 'email']));
    expect(tc.messages).toEqual([
      expect.objectContaining({ type: 'LtiResourceLinkRequest', placements: ['course_navigation'], label: 'Micro-credentials' }),
      expect.objectContaining({ type: 'LtiDeepLinkingRequest', placements: ['assignment_selection', 'link_selection'] }),
    ]);
  });

  it('keeps only the placements the Canvas says it supports for a message', () => {
    const older = {
      ...canvas,
      [PC]: {
        ...canvas[PC],
        messages_supported: [
          { type: 'LtiResourceLinkRequest', placements: ['course_navigation'] },
          { type: 'LtiDeepLinkingRequest', placements: ['link_selection'] },
        ],
      },
    };
    const messages = (registrationRequest(TOOL, older)[TC] as { messages: { placements?: string[] }[] }).messages;
    expect(messages.map((m) => m.placements)).toEqual([['course_navigation'], ['link_selection']]);
  });
});

describe("the LMS's answer", () => {
  it('reads the deployment ID inside the tool configuration (Moodle, the spec) or at the top level (Canvas)', () => {
    expect(readAnswer({ client_id: 'abc', [TC]: { deployment_id: '7' } })?.deploymentId).toBe('7');
    expect(readAnswer({ client_id: '10000000000001', deployment_id: '12:8865aa05', [TC]: {} })?.deploymentId).toBe('12:8865aa05');
    expect(readAnswer({ client_id: 10000000000001, [TC]: { deployment_id: 3 } })).toMatchObject({ clientId: '10000000000001', deploymentId: '3' });
    expect(readAnswer({ client_id: 'abc' })?.deploymentId).toBeUndefined();
    expect(readAnswer({ [TC]: { deployment_id: '7' } })).toBeUndefined();
  });

  it('tells the services granted from those asked for and not granted', () => {
    const nrps = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
    const partial = readAnswer({
      client_id: 'a',
      scope: `https://purl.imsglobal.org/spec/lti-ags/scope/score openid https://canvas.instructure.com/lti/public_jwk/scope/update`,
    })!;
    expect(partial.granted).toEqual(['https://purl.imsglobal.org/spec/lti-ags/scope/score', 'https://canvas.instructure.com/lti/public_jwk/scope/update']);
    expect(partial.notGranted).toContain(nrps);
    // No scope in the answer: as asked.
    expect(readAnswer({ client_id: 'a' })).toMatchObject({ granted: TOOL_SCOPES, notGranted: [] });
  });
});
