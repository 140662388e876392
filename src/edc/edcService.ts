/**
 * European Digital Credentials for issued awards, and their verification (FORMAT, SEAL,
 * REVOCATION, VALIDITY, ACCREDITATION), as the Europass verifier reports them.
 *
 * An EDC is built from the same facts as the award's Open Badge (award, credential version,
 * learner, the badge's salt and status entry) and sealed when the learner downloads it, with the
 * seal configured at that moment: a seal whose certificate is expired or not yet valid seals
 * nothing. Revocation is the badge's: the EDC names the same status-list entry.
 */
import { eq, sql } from 'drizzle-orm';
import { badgePngFor } from '../badges/badgeImage';
import { achievementIssuer, awardFacts } from '../badges/credentialBuilder';
import type { StatusListSource } from '../badges/statusListSource';
import { decodeStatusList, getStatusBit } from '../badges/verify';
import type { Db } from '../db/database';
import { awards, credentialVersions, issuedCredentials, ltiUsers } from '../db/schema';
import { ConflictError, NotFoundError } from '../errors';
import { describeCertificate, validityProblem } from './certificates';
import { buildEuropeanDigitalCredential, statusUrlOf } from './mapping';
import { isSealedEdc, payloadOf, type SealedEdc, sealEdc, verifySeal } from './seal';
import type { SealStore } from './sealStore';
import { checkFormat } from './shacl';

export interface EdcServiceDeps {
  db: Db;
  publicUrl: string;
  seals: SealStore;
  issuer: {
    forIssuance(
      publicUrl: string,
      did: string,
    ): Promise<{ profile: Record<string, unknown> & { id: string; type: string[] }; qaPolicyUrl?: string; qaType?: string } | undefined>;
  };
  did: string;
  fetchStatusList: StatusListSource;
}

export type CheckStatus = 'passed' | 'failed' | 'not checked';
export interface EdcCheck {
  name: 'FORMAT' | 'SEAL' | 'REVOCATION' | 'VALIDITY' | 'ACCREDITATION';
  status: CheckStatus;
  messages: string[];
}
export interface EdcReport {
  verified: boolean;
  title?: string;
  checks: EdcCheck[];
}

export class EdcService {
  constructor(private readonly deps: EdcServiceDeps) {}

  /** The sealed EDC of an issued credential (by its UUID), sealed now. */
  async sealedFor(uuid: string, now = new Date()): Promise<SealedEdc> {
    const [row] = await this.deps.db
      .select({ issued: issuedCredentials, award: awards, version: credentialVersions, learner: { email: ltiUsers.email, sub: ltiUsers.sub } })
      .from(issuedCredentials)
      .innerJoin(awards, eq(awards.id, issuedCredentials.awardId))
      .innerJoin(credentialVersions, eq(credentialVersions.id, awards.credentialVersionId))
      .innerJoin(ltiUsers, eq(ltiUsers.id, awards.learnerId))
      .where(eq(issuedCredentials.id, uuid));
    if (!row) throw new NotFoundError('No such credential.');
    if (row.issued.revokedAt) throw new ConflictError('This credential has been revoked, so it is not sealed as a European Digital Credential.');
    const seal = await this.deps.seals.active();
    if (!seal) throw new ConflictError('The institution has not configured its seal yet, so no European Digital Credential can be made.');
    const problem = validityProblem(seal.chain[0], now);
    if (problem) throw new ConflictError(`No European Digital Credential can be sealed: ${problem}`);
    const issuer = await this.deps.issuer.forIssuance(this.deps.publicUrl, this.deps.did);
    if (!issuer) throw new ConflictError('The institution’s issuer profile is not set up yet.');
    const badge = row.issued.credential as {
      credentialSubject?: { identifier?: { salt?: string }[] };
      evidence?: { id?: string; name?: string; genre?: string }[];
    };
    const salt = badge.credentialSubject?.identifier?.[0]?.salt ?? '';
    const [{ count }] = await this.deps.db
      .execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM evidence_items WHERE submission_id = ${row.award.submissionId}`)
      .then((r) => r.rows as { count: number }[]);
    const facts = describeCertificate(seal.chain[0]);
    // The issuer's eIDAS legal identifier and country come from the seal certificate, as in the sample.
    if (!facts.organizationIdentifier || !facts.country)
      throw new ConflictError(
        'The seal certificate names no organizationIdentifier (or serialNumber) and country (C) in its subject: an EDC issuer needs its legal identifier from the seal.',
      );
    const { profile, qaPolicy } = achievementIssuer(issuer);
    const credential = buildEuropeanDigitalCredential({
      uuid,
      publicUrl: this.deps.publicUrl,
      issuer: profile,
      qaPolicy,
      ...awardFacts(row),
      evidenceCount: count,
      sharedEvidence: [],
      salt,
      status: { listId: row.issued.statusListId, index: row.issued.statusIndex },
      seal: { legalIdentifier: facts.organizationIdentifier, country: facts.country },
      imagePng: await badgePngFor(row.version, 200),
      issuedAt: now,
    });
    return sealEdc(credential, seal, now);
  }

  /** The five Europass checks, in plain language. */
  async verify(input: unknown, now = new Date()): Promise<EdcReport> {
    const checks: EdcCheck[] = [];
    let credential: Record<string, unknown>;
    if (isSealedEdc(input)) {
      try {
        credential = payloadOf(input);
      } catch {
        return { verified: false, checks: [{ name: 'FORMAT', status: 'failed', messages: ['The sealed payload is not JSON.'] }] };
      }
    } else if (input && typeof input === 'object') {
      credential = input as Record<string, unknown>;
    } else {
      return { verified: false, checks: [{ name: 'FORMAT', status: 'failed', messages: ['This is not a European Digital Credential.'] }] };
    }
    const format = await checkFormat(credential);
    checks.push({
      name: 'FORMAT',
      status: format.conforms ? 'passed' : 'failed',
      messages: format.conforms ? [`Conforms to the profile ${format.profile} (SHACL, 0 violations).`] : format.problems,
    });
    const anchors = (await this.deps.seals.trustAnchors()).map((a) => a.certificate);
    const seal = isSealedEdc(input)
      ? await verifySeal(input, anchors)
      : {
          ok: false,
          signer: undefined,
          messages: ['The credential is not sealed: a sealed EDC is a JWS in JSON serialization, with “payload” and “signatures”.'],
        };
    if (seal.signer) {
      const facts = describeCertificate(seal.signer);
      seal.messages.unshift(
        `Sealed by ${facts.subject}${facts.qualifiedSeal ? ' with a qualified seal certificate' : facts.testSeal ? ' with a self-signed TEST seal (not qualified)' : ' with a seal certificate that is not qualified'}.`,
      );
    }
    checks.push({ name: 'SEAL', status: seal.ok ? 'passed' : 'failed', messages: seal.messages });
    checks.push(await this.revocation(credential));
    checks.push(validity(credential, now));
    checks.push({
      name: 'ACCREDITATION',
      status: 'not checked',
      messages: [
        'Not checked: accreditations are checked against the Europass Qualification Dataset Register (QDR), which this installation does not consult.',
      ],
    });
    const title = (credential.displayParameter as { title?: Record<string, string> } | undefined)?.title;
    return { verified: checks.every((c) => c.status !== 'failed'), title: title ? Object.values(title)[0] : undefined, checks };
  }

  private async revocation(credential: Record<string, unknown>): Promise<EdcCheck> {
    const url = statusUrlOf(credential);
    if (!url) return { name: 'REVOCATION', status: 'not checked', messages: ['The credential names no status, so its revocation cannot be checked.'] };
    const hash = url.lastIndexOf('#');
    const listUrl = hash > 0 ? url.slice(0, hash) : url;
    const index = Number(url.slice(hash + 1));
    if (hash < 0 || !Number.isInteger(index) || index < 0)
      return { name: 'REVOCATION', status: 'failed', messages: [`The status ${url} names no entry (#index).`] };
    let list: unknown;
    try {
      list = await this.deps.fetchStatusList(listUrl);
    } catch (error) {
      return { name: 'REVOCATION', status: 'not checked', messages: [`The status list ${listUrl} could not be read: ${(error as Error).message}`] };
    }
    const encoded = (list as { credentialSubject?: { encodedList?: unknown } } | undefined)?.credentialSubject?.encodedList;
    if (typeof encoded !== 'string') return { name: 'REVOCATION', status: 'not checked', messages: [`The status list ${listUrl} could not be read.`] };
    const revoked = getStatusBit(decodeStatusList(encoded), index);
    return revoked
      ? { name: 'REVOCATION', status: 'failed', messages: ['The issuer has revoked this credential.'] }
      : { name: 'REVOCATION', status: 'passed', messages: [`Not revoked (status list ${listUrl}, entry ${index}).`] };
  }
}

function validity(credential: Record<string, unknown>, now: Date): EdcCheck {
  const from = typeof credential.validFrom === 'string' ? new Date(credential.validFrom) : undefined;
  const until =
    typeof credential.validUntil === 'string'
      ? new Date(credential.validUntil)
      : typeof credential.expirationDate === 'string'
        ? new Date(credential.expirationDate)
        : undefined;
  if (!from || Number.isNaN(from.getTime())) return { name: 'VALIDITY', status: 'failed', messages: ['The credential has no valid “validFrom” date.'] };
  if (from > now) return { name: 'VALIDITY', status: 'failed', messages: [`Not valid yet: valid from ${from.toISOString().slice(0, 10)}.`] };
  if (until && until < now) return { name: 'VALIDITY', status: 'failed', messages: [`Expired on ${until.toISOString().slice(0, 10)}.`] };
  return {
    name: 'VALIDITY',
    status: 'passed',
    messages: [`Valid from ${from.toISOString().slice(0, 10)}${until ? ` until ${until.toISOString().slice(0, 10)}` : ', with no expiry date'}.`],
  };
}
