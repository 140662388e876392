// The institution's issuer profile: legal name, web address, contact, country/region,
// description, awarding-body identifiers, quality-assurance body and logo, and the QA policy
// text microcred publishes at /quality-policy. Credential design takes its defaults from it
// (forCredentials); issuance takes the Open Badges 3.0 `Profile` and the QA details to embed
// (forIssuance).
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { sniffMimeType } from '../assessment/fileType';
import type { InstitutionIssuerProfile } from '../credentials/model';
import ob3Schema from '../credentials/schemas/ob_v3p0_achievementcredential_schema.json';
import type { Db } from '../db/database';
import { countryName } from './country';
import { issuerProfile } from '../db/schema';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[v.length - 1] ?? '') : '');

/** http(s) only: these addresses end up as links in credentials and pages. */
const httpUrl = (message: string) => z.preprocess(blankToUndefined, z.url({ protocol: /^https?$/, message }).optional());
const optionalText = (max: number, what: string) =>
  z.preprocess(blankToUndefined, z.string().trim().max(max, `Keep the ${what} to ${max} characters or fewer.`).optional());

export const MAX_IDENTIFIERS = 20;
export const MAX_LOGO_BYTES = 1024 * 1024;
/** Blank identifier rows the form offers beyond those already filled in. */
export const EMPTY_IDENTIFIER_ROWS = 3;

/** OB 3.0 IdentifierTypeEnum, read from the official schema so the two cannot drift apart. */
export const IDENTIFIER_TYPES: readonly string[] = (ob3Schema.$defs.IdentifierEntry.properties.identifierType.oneOf[0] as { enum: string[] }).enum;

/** A listed type, or an extension term: "ext:" + letters, digits, ".", "-" or "_" (the schema's pattern, anchored). */
export function isIdentifierType(value: string): boolean {
  return IDENTIFIER_TYPES.includes(value) || /^ext:[A-Za-z0-9._-]+$/.test(value);
}

const identifierRow = z
  .object({
    identifierType: z.preprocess((v) => text(v), z.string().trim()),
    identifier: z.preprocess((v) => text(v), z.string().trim().max(200, 'Keep the identifier to 200 characters or fewer.')),
  })
  .superRefine((row, ctx) => {
    if (!row.identifierType && !row.identifier) return; // an unused row
    if (!row.identifierType) ctx.addIssue({ code: 'custom', path: ['identifierType'], message: 'Give the identifier’s type, e.g. ext:BRIN.' });
    else if (!isIdentifierType(row.identifierType)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identifierType'],
        message: 'Use an Open Badges identifier type (e.g. sourcedId, systemId) or “ext:” followed by letters and digits, e.g. ext:BRIN or ext:KvK.',
      });
    }
    if (!row.identifier) ctx.addIssue({ code: 'custom', path: ['identifier'], message: 'Give the identifier itself, e.g. 21PB.' });
  });

export const issuerProfileSchema = z.object({
  name: z.string().trim().min(1, 'Give the institution’s legal name.').max(300, 'Keep the name to 300 characters or fewer.'),
  url: httpUrl('Enter the full web address, e.g. https://www.uni.example'),
  email: z.preprocess(blankToUndefined, z.email({ message: 'Enter a valid email address.' }).optional()),
  countryCode: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .refine((c) => /^[A-Z]{2}$/.test(c), 'Give the two-letter country code, e.g. NL.'),
  region: optionalText(200, 'region'),
  description: optionalText(2000, 'description'),
  // Rows keep their form index while validating, so each error lands next to its row; unused rows are dropped after.
  identifiers: z
    .array(identifierRow)
    .default([])
    .transform((rows) => rows.filter((r) => r.identifierType || r.identifier))
    .refine((rows) => rows.length <= MAX_IDENTIFIERS, `Give at most ${MAX_IDENTIFIERS} identifiers.`),
  qaBodyName: optionalText(300, 'name of the quality-assurance body'),
  qaBodyUrl: httpUrl('Enter the QA body’s full web address, e.g. https://www.nvao.net'),
  qaType: optionalText(200, 'type of quality assurance'),
  qaPolicyUrl: httpUrl('Enter the full address of the QA policy, e.g. https://www.uni.example/quality'),
  /** LinkedIn's number for the institution's page: "add to profile" links name it, so LinkedIn shows the institution. */
  linkedinOrganizationId: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d{1,20}$/, 'Give the LinkedIn organisation id: the number in the address of the page’s admin view, e.g. 1337.')
      .optional(),
  ),
});
export type IssuerProfileInput = z.infer<typeof issuerProfileSchema>;

/** The QA policy text is published as a page, so it is bounded like one. */
export const MAX_QA_POLICY_CHARS = 20000;

/** Where the tool publishes the institution's QA policy text. */
export const QA_POLICY_PATH = '/quality-policy';

/**
 * The QA policy form. An empty text takes the page down (the external web address, if any,
 * stays in use). Browsers send textarea line breaks as CRLF; they are counted as one
 * character, as the person typing sees them.
 */
export const qaPolicySchema = z.object({
  title: z.preprocess((v) => text(v).trim(), z.string().max(200, 'Keep the title to 200 characters or fewer.')),
  text: z.preprocess(
    (v) => text(v).replace(/\r\n?/g, '\n').trim(),
    z.string().max(MAX_QA_POLICY_CHARS, `Keep the policy to ${MAX_QA_POLICY_CHARS.toLocaleString('en')} characters or fewer.`),
  ),
});
export type QaPolicyInput = z.infer<typeof qaPolicySchema>;

/** The published QA policy text. */
export interface QaPolicy {
  title: string;
  text: string;
  updatedAt: Date;
}

/** The stored profile, with what is known about the logo (its bytes are read only when served). */
export type IssuerProfileRecord = IssuerProfileInput & { logoType?: string; logoSize?: number };

const ROW_FIELD = /^(identifierType|identifier)_(\d{1,2})$/;

/**
 * The flat form body ("identifierType_0", "identifier_0", …) → the schema's input, with
 * every submitted row (blank ones too) in form order.
 */
export function issuerFormInput(body: Record<string, unknown>): Record<string, unknown> {
  let rows = 0;
  for (const key of Object.keys(body ?? {})) {
    const m = ROW_FIELD.exec(key);
    if (m) rows = Math.max(rows, Number(m[2]) + 1);
  }
  const identifiers = Array.from({ length: rows }, (_, i) => ({
    identifierType: text(body[`identifierType_${i}`]),
    identifier: text(body[`identifier_${i}`]),
  }));
  const { _csrf: _ignored, ...rest } = body ?? {};
  return { ...rest, identifiers };
}

/** How many identifier rows the form shows: the submitted ones on an error, else the saved ones plus blanks. */
export function identifierRowCount(values: Record<string, unknown>, submitted: boolean): number {
  let rows = 0;
  for (const key of Object.keys(values)) {
    const m = ROW_FIELD.exec(key);
    if (m) rows = Math.max(rows, Number(m[2]) + 1);
  }
  return submitted ? Math.max(rows, EMPTY_IDENTIFIER_ROWS) : rows + EMPTY_IDENTIFIER_ROWS;
}

/** A stored profile → the flat values the form shows. */
export function issuerFormValues(p: IssuerProfileRecord | undefined): Record<string, unknown> {
  if (!p) return {};
  const { identifiers, ...rest } = p;
  const values: Record<string, unknown> = { ...rest };
  identifiers.forEach((id, i) => {
    values[`identifierType_${i}`] = id.identifierType;
    values[`identifier_${i}`] = id.identifier;
  });
  return values;
}

// --- the logo ---------------------------------------------------------------------

export type LogoCheck = { ok: true; type: 'image/png' | 'image/jpeg' | 'image/svg+xml' } | { ok: false; message: string };

/**
 * What the logo really is, from its content. PNG and JPEG by signature. SVG is markup
 * (sniffMimeType calls it text/html so evidence uploads refuse it); a logo may be SVG, but
 * not one that could run script where it is opened: no <script>, no on…= event attributes,
 * no javascript: URLs, no embedded HTML (foreignObject) and no entity declarations.
 */
export function checkLogo(bytes: Buffer): LogoCheck {
  if (bytes.length === 0) return { ok: false, message: 'The logo file is empty.' };
  if (bytes.length > MAX_LOGO_BYTES) return { ok: false, message: 'The logo is larger than 1 MB. Choose a smaller image.' };
  const sniffed = sniffMimeType(bytes);
  if (sniffed === 'image/png' || sniffed === 'image/jpeg') return { ok: true, type: sniffed };
  const refused: LogoCheck = {
    ok: false,
    message: 'The logo must be a PNG, JPEG or SVG image. This file’s content is none of these (whatever its name says).',
  };
  if (sniffed !== 'text/html') return refused;
  const markup = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  const lower = markup.toLowerCase();
  const isSvg = lower.startsWith('<svg') || (lower.startsWith('<?xml') && /<svg[\s>/]/.test(lower));
  if (!isSvg) return refused;
  if (
    /<script/i.test(markup) ||
    /[\s"'/]on[a-z]+\s*=/i.test(markup) ||
    /javascript:/i.test(markup) ||
    /<foreignobject/i.test(markup) ||
    /<!entity/i.test(markup)
  ) {
    return {
      ok: false,
      message: 'This SVG contains script, event handlers or embedded HTML, which a logo may not have. Export it again as a plain SVG, or use PNG.',
    };
  }
  return { ok: true, type: 'image/svg+xml' };
}

/** A new logo, "remove" to delete it, or undefined to keep the current one. */
export type LogoChange = { bytes: Buffer; type: string } | 'remove' | undefined;

// --- Open Badges 3.0 -------------------------------------------------------------

/** A type alias (not an interface) so it also fits the open `Ob3Profile` of credential building. */
export type Ob3IssuerProfile = {
  id: string;
  type: ['Profile'];
  name: string;
  url?: string;
  email?: string;
  description?: string;
  address: { type: ['Address']; addressCountryCode: string; addressCountry?: string; addressRegion?: string };
  otherIdentifier?: { type: 'IdentifierEntry'; identifier: string; identifierType: string }[];
  image?: { id: string; type: 'Image' };
};

/** What issuing a credential needs from the profile. */
export interface IssuanceIssuer {
  /** The credential's `issuer`. */
  profile: Ob3IssuerProfile;
  /**
   * Quality assurance (Annex I element 11), to embed as an ext:QualityAssurance alignment:
   * the admin's external policy page, else the text published at /quality-policy.
   */
  qaPolicyUrl?: string;
  qaBodyName?: string;
  qaBodyUrl?: string;
  qaType?: string;
}

export class IssuerProfileStore {
  constructor(private readonly db: Db) {}

  async get(): Promise<IssuerProfileRecord | undefined> {
    // Everything but the logo's bytes, which only the logo endpoint reads.
    const [row] = await this.db
      .select({
        name: issuerProfile.name,
        url: issuerProfile.url,
        email: issuerProfile.email,
        countryCode: issuerProfile.countryCode,
        region: issuerProfile.region,
        description: issuerProfile.description,
        identifiers: issuerProfile.identifiers,
        qaBodyName: issuerProfile.qaBodyName,
        qaBodyUrl: issuerProfile.qaBodyUrl,
        qaType: issuerProfile.qaType,
        qaPolicyUrl: issuerProfile.qaPolicyUrl,
        linkedinOrganizationId: issuerProfile.linkedinOrganizationId,
        logoType: issuerProfile.logoType,
        logoSize: sql<number | null>`octet_length(${issuerProfile.logo})`,
      })
      .from(issuerProfile)
      .where(eq(issuerProfile.id, 1));
    if (!row) return undefined;
    const opt = (v: string | null) => v ?? undefined;
    return {
      name: row.name,
      url: opt(row.url),
      email: opt(row.email),
      countryCode: row.countryCode,
      region: opt(row.region),
      description: opt(row.description),
      identifiers: row.identifiers ?? [],
      qaBodyName: opt(row.qaBodyName),
      qaBodyUrl: opt(row.qaBodyUrl),
      qaType: opt(row.qaType),
      qaPolicyUrl: opt(row.qaPolicyUrl),
      linkedinOrganizationId: opt(row.linkedinOrganizationId),
      ...(row.logoType && row.logoSize ? { logoType: row.logoType, logoSize: Number(row.logoSize) } : {}),
    };
  }

  async save(input: IssuerProfileInput, logo?: LogoChange): Promise<void> {
    const values = {
      name: input.name,
      url: input.url ?? null,
      email: input.email ?? null,
      countryCode: input.countryCode,
      region: input.region ?? null,
      description: input.description ?? null,
      identifiers: input.identifiers.map((i) => ({ identifierType: i.identifierType, identifier: i.identifier })),
      qaBodyName: input.qaBodyName ?? null,
      qaBodyUrl: input.qaBodyUrl ?? null,
      qaType: input.qaType ?? null,
      qaPolicyUrl: input.qaPolicyUrl ?? null,
      linkedinOrganizationId: input.linkedinOrganizationId ?? null,
      ...(logo === 'remove' ? { logo: null, logoType: null } : logo ? { logo: logo.bytes, logoType: logo.type } : {}),
      updatedAt: new Date(),
    };
    await this.db
      .insert(issuerProfile)
      .values({ id: 1, ...values })
      .onConflictDoUpdate({ target: issuerProfile.id, set: values });
  }

  async logo(): Promise<{ bytes: Buffer; type: string } | undefined> {
    const [row] = await this.db.select({ logo: issuerProfile.logo, logoType: issuerProfile.logoType }).from(issuerProfile).where(eq(issuerProfile.id, 1));
    return row?.logo && row.logoType ? { bytes: row.logo, type: row.logoType } : undefined;
  }

  /** The profile as credential design needs it for defaults; its Profile URL is stable. */
  async forCredentials(publicUrl: string): Promise<InstitutionIssuerProfile | undefined> {
    const p = await this.get();
    return p && { id: `${publicUrl}/issuer`, name: p.name, url: p.url, countryCode: p.countryCode, region: p.region };
  }

  /** The issuer's OB 3.0 `Profile` (see toProfile). */
  async profile(publicUrl: string, did: string): Promise<Ob3IssuerProfile | undefined> {
    const p = await this.get();
    return p && toProfile(p, publicUrl, did);
  }

  /** The Profile plus the QA details issuance embeds as a quality-assurance alignment. */
  async forIssuance(publicUrl: string, did: string): Promise<IssuanceIssuer | undefined> {
    const p = await this.get();
    if (!p) return undefined;
    const qaPolicyUrl = await this.qaPolicyUrl(publicUrl, p);
    return {
      profile: toProfile(p, publicUrl, did),
      ...(qaPolicyUrl ? { qaPolicyUrl } : {}),
      ...(p.qaBodyName ? { qaBodyName: p.qaBodyName } : {}),
      ...(p.qaBodyUrl ? { qaBodyUrl: p.qaBodyUrl } : {}),
      ...(p.qaType ? { qaType: p.qaType } : {}),
    };
  }

  // --- the QA policy ----------------------------------------------------------------

  /** The policy text the tool publishes, if an administrator wrote one. */
  async qaPolicy(): Promise<QaPolicy | undefined> {
    const [row] = await this.db
      .select({ title: issuerProfile.qaPolicyTitle, text: issuerProfile.qaPolicyText, updatedAt: issuerProfile.qaPolicyUpdatedAt })
      .from(issuerProfile)
      .where(eq(issuerProfile.id, 1));
    if (!row?.text) return undefined;
    return { title: row.title || 'Quality assurance policy', text: row.text, updatedAt: row.updatedAt ?? new Date(0) };
  }

  /**
   * Saves the policy text (an empty text takes the page down). The policy belongs to the
   * issuer profile, so the profile must exist first: false when it does not.
   */
  async saveQaPolicy(input: QaPolicyInput): Promise<boolean> {
    const updated = await this.db
      .update(issuerProfile)
      .set({ qaPolicyTitle: input.title || null, qaPolicyText: input.text || null, qaPolicyUpdatedAt: new Date() })
      .where(eq(issuerProfile.id, 1))
      .returning({ id: issuerProfile.id });
    return updated.length > 0;
  }

  /**
   * The one address of the institution's QA policy, used in every link and in issued
   * credentials: the external page the admin gave, else the text published here, else none.
   * `profile` saves a read when the caller has it already.
   */
  async qaPolicyUrl(publicUrl: string, profile?: IssuerProfileRecord): Promise<string | undefined> {
    const p = profile ?? (await this.get());
    if (p?.qaPolicyUrl) return p.qaPolicyUrl;
    return (await this.qaPolicy()) ? `${publicUrl}${QA_POLICY_PATH}` : undefined;
  }
}

/**
 * The OB 3.0 `Profile` of the issuer, identified by its DID (the controller of the signing
 * keys, as verifiers require). Only properties the OB 3.0 context defines: a signed credential
 * embeds this object, and an undefined term would make signing fail. So the QA body is not
 * here (Profile has no such property); forIssuance hands it over for the QA alignment.
 */
function toProfile(p: IssuerProfileRecord, publicUrl: string, did: string): Ob3IssuerProfile {
  const country = countryName(p.countryCode);
  return {
    id: did,
    type: ['Profile'],
    name: p.name,
    ...(p.url ? { url: p.url } : {}),
    ...(p.email ? { email: p.email } : {}),
    ...(p.description ? { description: p.description } : {}),
    address: {
      type: ['Address'],
      addressCountryCode: p.countryCode,
      ...(country && country !== p.countryCode ? { addressCountry: country } : {}),
      ...(p.region ? { addressRegion: p.region } : {}),
    },
    ...(p.identifiers.length
      ? { otherIdentifier: p.identifiers.map((i) => ({ type: 'IdentifierEntry' as const, identifier: i.identifier, identifierType: i.identifierType })) }
      : {}),
    ...(p.logoType ? { image: { id: `${publicUrl}/issuer/logo`, type: 'Image' as const } } : {}),
  };
}
