// The learner's record as a Comprehensive Learner Record 2.0 ClrCredential, before it is
// signed: every verifiable credential the learner holds from us (components and composites),
// their achievements, and the associations between them that the pathways define: a component
// "isPartOf" the composite it counted towards, and in a rigid pathway each component "precedes"
// the next. Pure: the caller passes the signed credentials in.
import { CLR_V2_CONTEXT, MICROCRED_CONTEXT_PATH, OB_V3_CONTEXT, VC_V2_CONTEXT } from '../badges/contexts';
import { type AchievementIssuer, awardSubjectId, learnerIdentifiers } from '../badges/credentialBuilder';

export type Json = Record<string, unknown>;

export interface ClrComposite {
  /** The composite credential's achievement id (the pathway). */
  achievementId: string;
  /** The component credentials' ids it was built from. */
  componentCredentialIds: string[];
  /** For a rigid pathway: its required components' credential ids, in order. */
  order?: string[];
}

export interface ClrInputs {
  uuid: string;
  publicUrl: string;
  issuer: AchievementIssuer;
  learner: { email?: string | null; ltiUserId: string };
  salt: string;
  /** The signed credentials (Data Integrity form), components and composites alike. */
  credentials: Json[];
  composites: ClrComposite[];
  now: Date;
}

export type AssociationType = 'isPartOf' | 'precedes';
export interface Association {
  type: 'Association';
  associationType: AssociationType;
  sourceId: string;
  targetId: string;
}

const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
const achievementOf = (vc: Json) => ((vc.credentialSubject as Json | undefined)?.achievement as Json | undefined) ?? undefined;

/** The associations between achievements (CLR 2.0 links achievements, not credentials). */
export function clrAssociations(credentials: Json[], composites: ClrComposite[]): Association[] {
  const achievementIdOf = new Map<string, string>();
  for (const vc of credentials) {
    const a = achievementOf(vc);
    if (typeof vc.id === 'string' && typeof a?.id === 'string') achievementIdOf.set(vc.id, a.id);
  }
  const out: Association[] = [];
  const seen = new Set<string>();
  const add = (associationType: AssociationType, sourceId: string | undefined, targetId: string | undefined) => {
    if (!sourceId || !targetId || sourceId === targetId) return;
    const key = `${associationType} ${sourceId} ${targetId}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ type: 'Association', associationType, sourceId, targetId });
  };
  for (const c of composites) {
    for (const id of c.componentCredentialIds) add('isPartOf', achievementIdOf.get(id), c.achievementId);
    const order = c.order ?? [];
    for (let i = 1; i < order.length; i++) add('precedes', achievementIdOf.get(order[i - 1]), achievementIdOf.get(order[i]));
  }
  return out;
}

export function buildClrCredential(input: ClrInputs): Json {
  const achievements: Json[] = [];
  for (const vc of input.credentials) {
    const a = achievementOf(vc);
    if (a && !achievements.some((x) => x.id === a.id)) achievements.push(a);
  }
  const identifier = learnerIdentifiers(input.learner, input.salt);
  const associations = clrAssociations(input.credentials, input.composites);
  return {
    // microcred's context (the Annex I terms of the achievements listed here) comes before OB 3.0's:
    // after it, the OB context each embedded credential applies again would meet a term whose
    // definition changed (its "xsd" prefix), a protected-term redefinition that JSON-LD refuses.
    '@context': [
      VC_V2_CONTEXT,
      CLR_V2_CONTEXT,
      `${input.publicUrl}${MICROCRED_CONTEXT_PATH}`,
      OB_V3_CONTEXT,
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    ],
    id: `urn:uuid:${input.uuid}`,
    type: ['VerifiableCredential', 'ClrCredential'],
    // No name of the learner: like every credential here, the record names them only by salted hashes (decision 0013).
    name: 'Learner record',
    description: `The micro-credentials and pathway credentials issued by ${String(input.issuer.profile.name ?? 'the institution')}, on ${input.now.toISOString().slice(0, 10)}.`,
    issuer: input.issuer.profile,
    validFrom: isoSeconds(input.now),
    credentialSubject: {
      id: awardSubjectId(input.salt),
      type: ['ClrSubject'],
      identifier,
      achievement: achievements,
      verifiableCredential: input.credentials,
      ...(associations.length ? { association: associations } : {}),
    },
  };
}
