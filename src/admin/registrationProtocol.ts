// LTI Dynamic Registration (https://www.imsglobal.org/spec/lti-dr/v1p0), the part without
// HTTP or SQL: reading an LMS's openid-configuration, the registration request microcred
// sends (the plain IMS one, or with Canvas's extensions when the configuration says Canvas),
// and reading the LMS's answer. src/admin/dynamicRegistrationPages.ts does the talking.
import type { LMS_FAMILIES } from '../lti/platforms';
import { toolUrls } from '../lti/provider';
import {
  AGS_LINEITEM,
  AGS_LINEITEM_READ,
  AGS_RESULT_READ,
  AGS_SCORE,
  CANVAS_CUSTOM_FIELDS,
  CANVAS_PLACEMENTS,
  CANVAS_PRIVACY_LEVEL,
  NRPS_MEMBERSHIP_READ,
  TOOL_CLAIMS,
  TOOL_DESCRIPTION,
  TOOL_NAME,
  TOOL_SCOPES,
  type LtiMessageType,
} from '../lti/toolDescription';

export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
/** Canvas's extension names (instructure/canvas-lms app/models/lti/ims/registration.rb). */
const CANVAS = 'https://canvas.instructure.com/lti/';

export type LmsFamily = (typeof LMS_FAMILIES)[number];

export interface PlatformConfiguration {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  registration_endpoint: string;
  [PLATFORM_CONFIGURATION]?: Record<string, unknown>;
}

const REQUIRED_CONFIGURATION = ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint'] as const;

/** The first field registration needs that the configuration lacks, if any. */
export function missingConfigurationField(config: Record<string, unknown>): string | undefined {
  return REQUIRED_CONFIGURATION.find((k) => typeof config[k] !== 'string' || !config[k]);
}

function platformConfiguration(config: PlatformConfiguration): Record<string, unknown> {
  const pc = config[PLATFORM_CONFIGURATION];
  return pc && typeof pc === 'object' ? pc : {};
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export function familyOf(config: PlatformConfiguration): LmsFamily {
  const code = (text(platformConfiguration(config).product_family_code) ?? '').toLowerCase();
  if (code.includes('moodle')) return 'moodle';
  if (code.includes('canvas')) return 'canvas';
  if (code.includes('desire2learn') || code.includes('brightspace') || code === 'd2l') return 'brightspace';
  return 'other';
}

const FAMILY_LABEL: Record<LmsFamily, string> = { moodle: 'Moodle', canvas: 'Canvas', brightspace: 'Brightspace', other: 'LMS' };

/** Canvas names the account being registered into (security_controller.rb #lti_platform_configuration). */
const canvasAccountName = (config: PlatformConfiguration) => text(platformConfiguration(config)[`${CANVAS}account_name`]);

/** What people call the LMS: "Moodle 4.5+ (Build: 20241205)", "Canvas (Example University)". */
export function lmsName(config: PlatformConfiguration): string {
  const family = familyOf(config);
  const pc = platformConfiguration(config);
  const version = text(pc.version);
  if (family === 'canvas') return canvasAccountName(config) ? `Canvas (${canvasAccountName(config)})` : 'Canvas';
  if (family === 'other') return [text(pc.product_family_code) ?? 'LMS', version].filter(Boolean).join(' ');
  return version ? `${FAMILY_LABEL[family]} ${version}` : FAMILY_LABEL[family];
}

/**
 * The platform's name in the console: the LMS and its site. Every hosted Canvas has the same
 * issuer (https://canvas.instructure.com), so there the account's name tells them apart.
 */
export function platformName(config: PlatformConfiguration): string {
  const family = familyOf(config);
  if (family === 'canvas' && canvasAccountName(config)) return `Canvas (${canvasAccountName(config)})`;
  return `${FAMILY_LABEL[family]} (${new URL(config.issuer).host})`;
}

/**
 * The placements the LMS lists per message type in messages_supported, when it lists them as
 * the spec says ({type, placements}); undefined when it does not (Moodle lists bare names).
 */
function supportedPlacements(config: PlatformConfiguration): Map<string, Set<string>> | undefined {
  const listed = platformConfiguration(config).messages_supported;
  if (!Array.isArray(listed)) return undefined;
  const byType = new Map<string, Set<string>>();
  for (const m of listed) {
    if (m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string' && Array.isArray((m as { placements?: unknown }).placements)) {
      byType.set((m as { type: string }).type, new Set((m as { placements: unknown[] }).placements.map(String)));
    }
  }
  return byType.size ? byType : undefined;
}

/**
 * The registration request. Every LMS gets the IMS one; an LMS whose configuration says it is
 * Canvas also gets Canvas's extensions (doc/api/registration.md in instructure/canvas-lms):
 * the privacy level, the tool id, and per message the placements of the developer-key JSON,
 * keeping only those the Canvas lists as supported for that message.
 */
export function registrationRequest(publicUrl: string, config?: PlatformConfiguration): Record<string, unknown> {
  const urls = toolUrls(publicUrl);
  const imsMessages: Record<string, unknown>[] = [
    { type: 'LtiResourceLinkRequest', target_link_uri: urls.launch, label: 'Micro-credentials' },
    // ContentArea: the spec's name for "add content", Moodle's activity chooser and Canvas's link_selection.
    { type: 'LtiDeepLinkingRequest', target_link_uri: urls.launch, label: 'Micro-credential', placements: ['ContentArea'] },
  ];
  const toolConfiguration: Record<string, unknown> = {
    domain: new URL(publicUrl).host,
    target_link_uri: urls.launch,
    description: TOOL_DESCRIPTION,
    claims: TOOL_CLAIMS,
    messages: imsMessages,
  };
  if (config && familyOf(config) === 'canvas') {
    const supported = supportedPlacements(config);
    const types: LtiMessageType[] = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'];
    toolConfiguration.messages = types.map((type) => {
      const placements = CANVAS_PLACEMENTS.filter((p) => p.messageType === type && (!supported || supported.get(type)?.has(p.placement)));
      return {
        type,
        target_link_uri: urls.launch,
        label: CANVAS_PLACEMENTS.find((p) => p.messageType === type)!.label,
        ...(placements.length ? { placements: placements.map((p) => p.placement) } : {}),
      };
    });
    toolConfiguration.custom_parameters = CANVAS_CUSTOM_FIELDS;
    toolConfiguration[`${CANVAS}privacy_level`] = CANVAS_PRIVACY_LEVEL;
    toolConfiguration[`${CANVAS}tool_id`] = TOOL_NAME;
    toolConfiguration[`${CANVAS}vendor`] = TOOL_NAME;
  }
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: urls.login,
    redirect_uris: [urls.launch],
    client_name: TOOL_NAME,
    jwks_uri: urls.jwks,
    logo_uri: `${publicUrl}/public/logo.svg`,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: TOOL_SCOPES.join(' '),
    [TOOL_CONFIGURATION]: toolConfiguration,
  };
}

export interface RegistrationAnswer {
  clientId: string;
  /** Absent when the LMS gives none yet (Canvas without its new registrations). */
  deploymentId?: string;
  /** The services the LMS granted, in microcred's order; the ones asked for but not granted. */
  granted: string[];
  notGranted: string[];
}

const idText = (v: unknown) => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);

/**
 * Reads the LMS's answer: the client ID; the deployment ID inside the tool configuration (the
 * spec, Moodle) or at the top level (Canvas's render_registration); the granted scope (absent:
 * as asked). Undefined when there is no client ID.
 */
export function readAnswer(answer: Record<string, unknown>): RegistrationAnswer | undefined {
  const clientId = idText(answer.client_id);
  if (!clientId) return undefined;
  const tc = answer[TOOL_CONFIGURATION];
  const deploymentId = idText(tc && typeof tc === 'object' ? (tc as Record<string, unknown>).deployment_id : undefined) ?? idText(answer.deployment_id);
  const scope = typeof answer.scope === 'string' ? answer.scope.split(/\s+/).filter((s) => s && s !== 'openid') : TOOL_SCOPES;
  return { clientId, deploymentId, granted: scope, notGranted: TOOL_SCOPES.filter((s) => !scope.includes(s)) };
}

const SERVICE_KEYS: Record<string, string> = {
  [AGS_SCORE]: 'score',
  [AGS_RESULT_READ]: 'resultRead',
  [AGS_LINEITEM]: 'lineitem',
  [AGS_LINEITEM_READ]: 'lineitemRead',
  [NRPS_MEMBERSHIP_READ]: 'roster',
};

/** The interface string key (lti.registered.service.*) for a service scope; undefined for others. */
export const serviceKey = (scope: string): string | undefined => SERVICE_KEYS[scope];

/**
 * The web origins of the LMS's own pages, which frame the registration page and receive its
 * close message: the configuration's site and the issuer's, the registration endpoint's
 * (Canvas serves it on the account's domain, where its admin pages are), and Canvas's account
 * domain when it names one. Only addresses `allowed` accepts.
 */
export function lmsOrigins(configUrl: URL, config: PlatformConfiguration, allowed: (u: URL) => boolean): string[] {
  const candidates = [configUrl.toString(), config.issuer, config.registration_endpoint];
  const accountDomain = text(platformConfiguration(config)[`${CANVAS}account_domain`]);
  if (accountDomain) candidates.push(`https://${accountDomain}`);
  const origins = new Set<string>();
  for (const c of candidates) {
    try {
      const u = new URL(c);
      if (allowed(u)) origins.add(u.origin);
    } catch {
      /* not an address: nothing to allow */
    }
  }
  return [...origins];
}
