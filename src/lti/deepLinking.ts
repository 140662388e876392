// LTI Deep Linking: a teacher adds a micro-credential to the course from the LMS's
// activity chooser. The LMS launches with an LtiDeepLinkingRequest; /app/<launchId>
// sends it to the picker here; the chosen credential goes back as ONE ltiResourceLink
// content item (with a gradebook column) in a signed LtiDeepLinkingResponse. Launches of
// the link the LMS makes from it carry custom.microcred_credential and open that
// credential on their first landing (deepLinkLanding, lti/deepLinkingPages.ts); completeLaunch
// remembers its line item. This module is the protocol's part; its pages are in deepLinkingPages.ts.
import type { CredentialDefinition } from '../credentials/model';
import { LINE_ITEM_TAG, lineItemResourceId, scoreMaximum } from '../grades/gradebook';
import { QF_EHEA_CYCLES } from '../credentials/vocabulary';
import { toolUrls } from './provider';

export const DEEP_LINKING_REQUEST = 'LtiDeepLinkingRequest';
/** The custom parameter a placed link carries: the credential it stands for. */
export const CREDENTIAL_PARAM = 'microcred_credential';
/** The AGS tag of every line item microcred asks for, so ours can be told from others. */

/** The platform's deep_linking_settings claim (LTI Deep Linking 2.0 §4.4.1), as ltijs hands it over. */
export type DeepLinkingSettings = {
  deep_link_return_url: string;
  accept_types?: string[];
  accept_presentation_document_targets?: string[];
  accept_multiple?: boolean | string;
  accept_lineitem?: boolean;
  data?: string;
};

/** A credential id sent as text (custom parameters and form fields are strings). */
export function parseId(raw: unknown): number | undefined {
  const id = typeof raw === 'string' && /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  return id > 0 ? id : undefined;
}

/** The credential a launch's custom parameters name, if any. */
export const placedCredentialId = (custom: unknown) => parseId((custom as Record<string, unknown> | null | undefined)?.[CREDENTIAL_PARAM]);

export const acceptsResourceLinks = (settings: DeepLinkingSettings) =>
  Array.isArray(settings.accept_types) && settings.accept_types.includes('ltiResourceLink');

/** "3 ECTS · EQF level 7": workload and level, for the picker and the link's text. */
export function credentialSummary(def: CredentialDefinition): string {
  const parts: string[] = [];
  if (def.workload?.ects !== undefined) parts.push(`${def.workload.ects} ECTS`);
  else if (def.workload?.hours !== undefined) parts.push(`${def.workload.hours} hours`);
  const cycle = QF_EHEA_CYCLES.find((c) => c.value === def.level?.qfEheaCycle);
  if (def.level?.eqfLevel !== undefined) parts.push(`EQF level ${def.level.eqfLevel}`);
  else if (cycle) parts.push(cycle.label);
  else if (def.level?.nqf) parts.push(`${def.level.nqf.name} level ${def.level.nqf.level}`);
  return parts.join(' · ');
}

const shorten = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`);

/** The one content item for a published credential (LTI Deep Linking 2.0 §3.1 ltiResourceLink). */
export function contentItemFor(credentialId: number, def: CredentialDefinition, settings: DeepLinkingSettings, publicUrl: string) {
  const title = def.title || 'Untitled micro-credential';
  const summary = credentialSummary(def);
  const text = shorten([def.description?.trim() || 'Micro-credential', summary].filter(Boolean).join(' · '), 280);
  const targets = settings.accept_presentation_document_targets ?? [];
  return {
    type: 'ltiResourceLink',
    title,
    text,
    url: toolUrls(publicUrl).launch,
    custom: { [CREDENTIAL_PARAM]: String(credentialId) },
    lineItem: { scoreMaximum: scoreMaximum(def), label: title, resourceId: lineItemResourceId(credentialId), tag: LINE_ITEM_TAG },
    // Presentation hints only where the platform said it can honour them.
    ...(targets.includes('iframe') ? { iframe: { height: 900 } } : {}),
    ...(targets.includes('window') ? { window: { targetName: 'microcred' } } : {}),
  };
}
