/**
 * Verifies an Open Badges 3.0 credential (W3C VC 2.0) given as JSON text, a parsed object or a
 * VC-JWT, and explains the outcome check by check in plain language. It never throws on bad
 * input and never touches the network: contexts are bundled, did:key is resolved offline, and
 * other keys and status lists come only from resolvers the caller passes in.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK, type ProtectedHeaderParameters } from 'jose';
import { openBadgesValidators, schemaProblems } from '../credentials/openBadgesSchema';
import { VC_V1_CONTEXT, VC_V2_CONTEXT } from './contexts';
import { createDocumentLoader, resolveDidKey, type ExtraResolver } from './documentLoader';
import { loadLibraries, type DocumentLoader, type JsonObject, type VcVerifyResult } from './esm';
import { jwkFromPublicKeyMultibase } from './keys';
import { OutboundFetchError } from '../net/outboundFetch';
import { explainJsonLdError, issuerIdOf, subjectOf } from './sign';
import { decodeStatusList, readStatusValue } from './statusList';

export { createStatusBitstring, decodeStatusList, encodeStatusList, getStatusBit, setStatusBit } from './statusList';

export type CheckId = 'format' | 'schema' | 'signature' | 'issuer' | 'status' | 'validity';

export interface VerificationCheck {
  id: CheckId;
  status: 'passed' | 'failed' | 'warning' | 'skipped';
  label: string;
  /** Plain language, for a non-technical person. */
  message: string;
}

export interface VerificationReport {
  verified: boolean;
  form?: 'json-ld' | 'jwt';
  credential?: Record<string, unknown>;
  summary: {
    achievementName?: string;
    issuerName?: string;
    issuerId?: string;
    subjectId?: string;
    validFrom?: string;
    validUntil?: string;
  };
  checks: VerificationCheck[];
  revoked: boolean;
}

export interface VerifyOptions {
  /** The moment to check validity against (default: now). */
  now?: Date;
  /**
   * Fetches a status list credential (JSON object, JSON text or VC-JWT) by URL, or returns
   * undefined when it cannot. Without it, revocation is reported as "could not be checked".
   * An OutboundFetchError it throws (refused or failed fetch) is shown as it says.
   */
  fetchStatusList?: (url: string) => Promise<unknown | undefined>;
  /** Resolves keys, key ids and controller documents the offline loader does not know (did:web, https). */
  resolveKey?: ExtraResolver;
  /** What the input must be: an Open Badge (default) or a CLR 2.0 ClrCredential (src/badges/verifyClr.ts). */
  kind?: 'open-badge' | 'clr';
}

/** Larger input is refused before parsing. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/** Clocks differ between servers; this much leeway applies to validFrom and validUntil. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const STATUS_LIST_TIMEOUT_MS = 15_000;
/** Each entry costs a fetch: a credential cannot make one check fetch without end. */
const MAX_STATUS_ENTRIES = 4;

const LABELS: Record<CheckId, string> = {
  format: 'Credential type',
  schema: 'Required information',
  signature: 'Digital signature',
  issuer: 'Issuer',
  status: 'Revocation',
  validity: 'Validity dates',
};
const ORDER: CheckId[] = ['format', 'schema', 'signature', 'issuer', 'status', 'validity'];

/** Asymmetric JOSE algorithms only: never "none" or a shared-secret HMAC. */
const JWT_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const JWT_CLAIMS = ['iss', 'sub', 'jti', 'nbf', 'exp', 'iat', 'aud'];
const OB_CONTEXT = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)?\.json$/;

type CheckResult = Pick<VerificationCheck, 'status' | 'message'>;

interface JwtParts {
  token: string;
  header: ProtectedHeaderParameters;
  payload: JsonObject;
}

type Parsed =
  | { ok: true; form: 'json-ld'; credential: JsonObject }
  | { ok: true; form: 'jwt'; credential: JsonObject; jwt: JwtParts }
  | { ok: false; message: string; credential?: JsonObject };

export async function verifyOpenBadgeCredential(input: string | Buffer | object, options: VerifyOptions = {}): Promise<VerificationReport> {
  try {
    return await verify(input, options);
  } catch (error) {
    // Last resort: a bug or a library surprise must still come back as a report.
    return {
      verified: false,
      summary: {},
      revoked: false,
      checks: ORDER.map((id) =>
        id === 'format'
          ? check(id, 'failed', `Something went wrong while checking this credential (${(error as Error)?.message ?? String(error)}).`)
          : check(id, 'skipped', 'Not checked.'),
      ),
    };
  }
}

async function verify(input: unknown, options: VerifyOptions): Promise<VerificationReport> {
  // An invalid Date would make every date comparison false, i.e. "valid": use the clock instead.
  const now = options.now && !Number.isNaN(options.now.getTime()) ? options.now : new Date();
  const parsed = parseInput(input);
  if (!parsed.ok) {
    return {
      verified: false,
      summary: parsed.credential ? summarize(parsed.credential) : {},
      credential: parsed.credential,
      revoked: false,
      checks: ORDER.map((id) => (id === 'format' ? check(id, 'failed', parsed.message) : check(id, 'skipped', NOT_CHECKED_FORMAT))),
    };
  }

  const { credential, form } = parsed;
  const results = new Map<CheckId, CheckResult>();
  const format = options.kind === 'clr' ? checkClrFormat(credential) : checkFormat(credential);
  results.set('format', format);
  if (format.status === 'failed') {
    for (const id of ORDER.slice(1)) results.set(id, { status: 'skipped', message: NOT_CHECKED_FORMAT });
  } else {
    results.set('schema', options.kind === 'clr' ? checkClrStructure(credential) : checkSchema(credential));
    const loader = createDocumentLoader({ resolve: options.resolveKey });
    const proof = parsed.form === 'jwt' ? await checkJwtProof(parsed.jwt, credential, loader) : await checkDataIntegrityProof(credential, loader, now);
    results.set('signature', proof.signature);
    results.set('issuer', proof.issuer);
    results.set('validity', checkValidity(credential, now));
    const status =
      proof.signature.status === 'passed' && proof.issuer.status === 'passed'
        ? await checkStatus(credential, options, loader, now)
        : { status: 'skipped' as const, message: 'Not checked, because the signature or the issuer could not be confirmed.', revoked: false };
    results.set('status', status);
  }

  const checks = ORDER.map((id) => {
    const result = results.get(id) as CheckResult;
    return check(id, result.status, result.message);
  });
  const passed = (id: CheckId) => results.get(id)?.status === 'passed';
  const statusResult = results.get('status') as CheckResult & { revoked?: boolean };
  return {
    verified: passed('format') && passed('schema') && passed('signature') && passed('issuer') && passed('validity') && statusResult.status !== 'failed',
    form,
    credential,
    summary: summarize(credential),
    checks,
    revoked: statusResult.revoked === true,
  };
}

const NOT_CHECKED_FORMAT = 'Not checked, because this is not an Open Badges 3.0 credential.';

function check(id: CheckId, status: VerificationCheck['status'], message: string): VerificationCheck {
  return { id, status, label: LABELS[id], message };
}

// --- Input ---------------------------------------------------------------------------------

function parseInput(input: unknown): Parsed {
  let text: string;
  if (Buffer.isBuffer(input) || input instanceof Uint8Array) {
    if (input.byteLength > MAX_INPUT_BYTES) return { ok: false, message: tooLarge(input.byteLength) };
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return { ok: false, message: 'This file is not text, so it cannot be a credential. Upload the credential file (JSON) or paste its text.' };
    }
  } else if (typeof input === 'string') {
    text = input;
  } else if (input && typeof input === 'object' && !Array.isArray(input)) {
    let serialized: string;
    try {
      serialized = JSON.stringify(input);
    } catch {
      return { ok: false, message: 'This data cannot be read as a credential.' };
    }
    if (Buffer.byteLength(serialized) > MAX_INPUT_BYTES) return { ok: false, message: tooLarge(Buffer.byteLength(serialized)) };
    return { ok: true, form: 'json-ld', credential: JSON.parse(serialized) as JsonObject };
  } else {
    return { ok: false, message: 'Nothing was given that could be a credential.' };
  }

  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) return { ok: false, message: tooLarge(Buffer.byteLength(text)) };
  text = text.replace(/^\uFEFF/, '').trim();
  if (text === '') return { ok: false, message: 'The credential is empty.' };

  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('"')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, message: `This is not a readable credential: the JSON text is damaged (${(error as Error).message}).` };
    }
    if (typeof value === 'string') return parseJwt(value.trim());
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, message: 'This JSON is not a single credential (it should be one JSON object).' };
    }
    return { ok: true, form: 'json-ld', credential: value as JsonObject };
  }
  return parseJwt(text);
}

function parseJwt(text: string): Parsed {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) {
    return { ok: false, message: 'This is neither a credential file (JSON) nor a signed credential token (JWT).' };
  }
  let header: ProtectedHeaderParameters;
  let payload: JsonObject;
  try {
    header = decodeProtectedHeader(text);
    payload = decodeJwt(text) as JsonObject;
  } catch {
    return { ok: false, message: 'This looks like a signed token (JWT), but its contents cannot be read.' };
  }
  // VC 1.1-style tokens wrap the credential in "vc"; OB 3.0 (VC 2.0) tokens are the credential.
  let credential: JsonObject;
  if (payload.vc && typeof payload.vc === 'object' && !Array.isArray(payload.vc)) {
    credential = structuredClone(payload.vc as JsonObject);
  } else {
    credential = Object.fromEntries(Object.entries(payload).filter(([key]) => !JWT_CLAIMS.includes(key)));
  }
  return { ok: true, form: 'jwt', credential, jwt: { token: text, header, payload } };
}

function tooLarge(bytes: number): string {
  return `This file is too large to be a credential (${(bytes / 1024 / 1024).toFixed(1)} MB; the limit is 1 MB).`;
}

// --- Format ----------------------------------------------------------------------------------

function checkFormat(credential: JsonObject): CheckResult {
  const contexts = asArray(credential['@context']);
  const types = asArray(credential.type);
  if (contexts.length === 0 && types.length === 0) {
    return { status: 'failed', message: 'This JSON is not a verifiable credential (it has no “@context” or “type”).' };
  }
  if (contexts[0] === VC_V1_CONTEXT) {
    return {
      status: 'failed',
      message:
        'This credential uses the older Verifiable Credentials 1.1 format. Only Open Badges 3.0 credentials in the current (VC 2.0) format can be checked.',
    };
  }
  if (contexts[0] !== VC_V2_CONTEXT) {
    return { status: 'failed', message: 'This is not a W3C Verifiable Credential 2.0 (its first “@context” must be the VC 2.0 context).' };
  }
  if (!contexts.some((c) => typeof c === 'string' && OB_CONTEXT.test(c))) {
    return { status: 'failed', message: 'This credential does not declare the Open Badges 3.0 vocabulary, so it is not an Open Badge.' };
  }
  if (!types.includes('VerifiableCredential')) {
    return { status: 'failed', message: 'This is not a verifiable credential (its type does not include “VerifiableCredential”).' };
  }
  if (!types.includes('OpenBadgeCredential') && !types.includes('AchievementCredential')) {
    const kind = types.includes('EndorsementCredential') ? 'an endorsement' : 'another kind of credential';
    return { status: 'failed', message: `This is ${kind}, not an Open Badge (its type must include “OpenBadgeCredential”).` };
  }
  return { status: 'passed', message: 'This is an Open Badges 3.0 credential.' };
}

const CLR_CONTEXT = /^https:\/\/purl\.imsglobal\.org\/spec\/clr\/v2p0\/context(-2\.\d\.\d)?\.json$/;

/** A Comprehensive Learner Record 2.0: VC 2.0, the CLR context, type ClrCredential. */
function checkClrFormat(credential: JsonObject): CheckResult {
  const contexts = asArray(credential['@context']);
  if (contexts[0] !== VC_V2_CONTEXT)
    return { status: 'failed', message: 'This is not a W3C Verifiable Credential 2.0 (its first “@context” must be the VC 2.0 context).' };
  if (!contexts.some((c) => typeof c === 'string' && CLR_CONTEXT.test(c)))
    return { status: 'failed', message: 'This credential does not declare the CLR 2.0 vocabulary, so it is not a learner record.' };
  if (!asArray(credential.type).includes('ClrCredential'))
    return { status: 'failed', message: 'This is not a learner record (its type must include “ClrCredential”).' };
  return { status: 'passed', message: 'This is a Comprehensive Learner Record 2.0.' };
}

/** What CLR 2.0 requires of the bundle itself; the credentials inside are checked one by one. */
function checkClrStructure(credential: JsonObject): CheckResult {
  const subject = credential.credentialSubject as JsonObject | undefined;
  const problems: string[] = [];
  if (typeof credential.name !== 'string') problems.push('It has no name.');
  if (!subject || !asArray(subject.type).includes('ClrSubject')) problems.push('Its subject is not a ClrSubject.');
  else {
    if (asArray(subject.verifiableCredential).length === 0) problems.push('It holds no credentials.');
    for (const a of asArray(subject.association) as JsonObject[])
      if (!a || a.type !== 'Association' || typeof a.sourceId !== 'string' || typeof a.targetId !== 'string' || typeof a.associationType !== 'string')
        problems.push('An association lacks its type, source or target.');
  }
  if (problems.length === 0) return { status: 'passed', message: 'All the information the CLR 2.0 standard requires of the record is present.' };
  return { status: 'failed', message: `The record does not follow the CLR 2.0 standard: ${problems.slice(0, 3).join(' ')}` };
}

// --- Schema ----------------------------------------------------------------------------------

const validator = () => openBadgesValidators().credential;
const CREDENTIAL = { wholeDocument: 'The credential' };

/** Plain-language problems with a credential against the official OB 3.0 schema; empty when valid. */
export function ob3SchemaProblems(credential: JsonObject): string[] {
  const data = credential.proof && !Array.isArray(credential.proof) ? { ...credential, proof: [credential.proof] } : credential;
  return schemaProblems(validator(), data, CREDENTIAL).map((p) => p.message);
}

function checkSchema(credential: JsonObject): CheckResult {
  // The VC data model allows one proof as an object; the official schema only lists arrays.
  const data = credential.proof && !Array.isArray(credential.proof) ? { ...credential, proof: [credential.proof] } : credential;
  const problems = schemaProblems(validator(), data, CREDENTIAL).map((p) => p.message);
  if (problems.length === 0) return { status: 'passed', message: 'All the information the Open Badges 3.0 standard requires is present and well-formed.' };
  const shown = problems.slice(0, 3);
  const more = problems.length > shown.length ? ` …and ${problems.length - shown.length} more.` : '';
  return { status: 'failed', message: `The credential does not follow the Open Badges 3.0 standard: ${shown.join(' ')}${more}` };
}

// --- Signature and issuer -----------------------------------------------------------------

interface ProofChecks {
  signature: CheckResult;
  issuer: CheckResult;
}

const TAMPERED = 'The signature does not match the contents: the credential was changed after it was signed, or it was not signed with the key it names.';

async function checkDataIntegrityProof(credential: JsonObject, loader: DocumentLoader, now: Date): Promise<ProofChecks> {
  const issuerId = issuerIdOf(credential);
  const proofs = asArray(credential.proof).filter((p): p is JsonObject => !!p && typeof p === 'object');
  if (proofs.length === 0) {
    const message = 'This credential is not signed, so nothing shows who issued it or that it is unchanged.';
    return { signature: { status: 'failed', message }, issuer: { status: 'failed', message: 'Without a signature the issuer cannot be confirmed.' } };
  }
  const supported = proofs.filter((p) => p.type === 'DataIntegrityProof' && p.cryptosuite === 'eddsa-rdfc-2022');
  if (supported.length === 0) {
    const method = [...new Set(proofs.map((p) => String(p.cryptosuite ?? p.type)))].join(', ');
    return {
      signature: {
        status: 'failed',
        message: `This credential is signed with a method that cannot be checked here (“${method}”). Supported: Data Integrity eddsa-rdfc-2022 and JWT.`,
      },
      issuer: { status: 'skipped', message: 'Not checked, because the signature could not be checked.' },
    };
  }

  const { vc, DataIntegrityProof, cryptosuite } = await loadLibraries();
  const suite = new DataIntegrityProof({ cryptosuite });
  let result: VcVerifyResult;
  try {
    result = await vc.verifyCredential({
      credential: { ...credential, proof: supported.length === 1 ? supported[0] : supported },
      suite,
      documentLoader: loader,
      // Status is checked separately (checkStatus below) and read strictly: the library only
      // marks a credential unverified when this callback says so, which makes it easy to
      // report a revoked credential as verified. So here it is a deliberate no-op.
      checkStatus: async () => ({ verified: true }),
      // Dates are the validity check's business; keep them from failing the signature check.
      now: insideValidity(credential, now),
    });
  } catch (error) {
    result = { verified: false, error: error as Error };
  }

  const entries = result.results ?? [];
  // jsonld-signatures validates the proof purpose (key ↔ issuer) only after the cryptographic
  // check succeeded, so a purposeResult means the signature itself is sound.
  const cryptoOk = result.verified || entries.some((r) => r.purposeResult !== undefined);
  const signature: CheckResult = cryptoOk
    ? { status: 'passed', message: 'The digital signature is valid: the credential has not been changed since it was signed.' }
    : { status: 'failed', message: explainSignatureFailure(result) };

  // Issuer: the verification method must be controlled by the credential's issuer.
  const methodId = methodIdOf(supported[0]);
  let issuer: CheckResult;
  const method = methodId ? await tryLoad(loader, methodId) : undefined;
  if (!issuerId) {
    issuer = { status: 'failed', message: 'The credential does not say who issued it.' };
  } else if (!methodId) {
    issuer = { status: 'failed', message: 'The signature does not say which key made it.' };
  } else if (!method) {
    issuer = { status: 'failed', message: `The key that signed this credential (${methodId}) is not known here, so the issuer cannot be confirmed.` };
  } else if (controllerOf(method) !== issuerId) {
    issuer = {
      status: 'failed',
      message: `The credential says it was issued by ${issuerId}, but it was signed with a key that belongs to ${controllerOf(method) ?? 'someone else'}.`,
    };
  } else if (cryptoOk && !result.verified) {
    const purposeError = entries.map((r) => r.purposeResult?.error?.message).find(Boolean);
    issuer = { status: 'failed', message: `The issuer has not authorised this key to sign credentials (${purposeError ?? 'unknown reason'}).` };
  } else {
    issuer = { status: 'passed', message: `Signed with a key that belongs to the issuer (${issuerId}).` };
  }
  return { signature, issuer };
}

function explainSignatureFailure(result: VcVerifyResult): string {
  const errors = flattenErrors([result.error, ...(result.results ?? []).map((r) => r.error)]);
  if (errors.some((e) => e.message === 'Invalid signature.')) return TAMPERED;
  const notBundled = errors.find((e) => e.name === 'DocumentNotBundledError' || /not bundled/.test(e.message));
  if (notBundled) return `The signature cannot be checked: ${explainJsonLdError(notBundled)}`;
  const jsonLd = errors.find((e) => (e as { details?: { event?: unknown } }).details?.event);
  if (jsonLd) return `The signature cannot be checked, because ${explainJsonLdError(jsonLd)}`;
  const first = errors[0];
  return `The signature could not be checked (${first ? explainJsonLdError(first) : 'unknown reason'}).`;
}

function flattenErrors(values: unknown[], depth = 0): Error[] {
  const out: Error[] = [];
  for (const value of values) {
    if (!value || depth > 5) continue;
    if (Array.isArray(value)) {
      out.push(...flattenErrors(value, depth + 1));
      continue;
    }
    const error = value as Error & { errors?: unknown[]; cause?: unknown; details?: { cause?: unknown } };
    out.push(error);
    out.push(...flattenErrors([error.errors, error.cause, error.details?.cause], depth + 1));
  }
  return out;
}

async function checkJwtProof(jwt: JwtParts, credential: JsonObject, loader: DocumentLoader): Promise<ProofChecks> {
  const issuerId = issuerIdOf(credential);
  const skipIssuer: CheckResult = { status: 'skipped', message: 'Not checked, because the signature could not be checked.' };
  const alg = jwt.header.alg;
  if (!alg || !JWT_ALGORITHMS.includes(alg)) {
    return {
      signature: { status: 'failed', message: `This token uses a signing method that is unsafe or not supported (“${String(alg)}”).` },
      issuer: skipIssuer,
    };
  }

  // Find the public key: by `kid` (resolved offline or by the caller) or embedded as `jwk`.
  let jwk: JWK | undefined;
  let controller: string | undefined;
  const kid = jwt.header.kid;
  if (typeof kid === 'string') {
    const resolved = await tryLoad(loader, kid);
    const method = resolved ? pickMethod(resolved, kid) : undefined;
    if (!method) {
      return {
        signature: { status: 'failed', message: `The key that signed this credential (${kid}) is not known here, so the signature cannot be checked.` },
        issuer: { status: 'failed', message: `The key that signed this credential (${kid}) is not known here, so the issuer cannot be confirmed.` },
      };
    }
    jwk = publicJwkOf(method);
    controller = controllerOf(method) ?? (kid.includes('#') ? kid.slice(0, kid.indexOf('#')) : undefined);
  } else if (jwt.header.jwk && typeof jwt.header.jwk === 'object') {
    jwk = jwt.header.jwk as JWK;
  }
  if (!jwk || 'd' in jwk) {
    return { signature: { status: 'failed', message: 'The token does not contain a usable public key to check its signature with.' }, issuer: skipIssuer };
  }

  try {
    await compactVerify(jwt.token, await importJWK(jwk, alg), { algorithms: [alg] });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? TAMPERED : `The signature could not be checked (${(error as Error).message}).`;
    return { signature: { status: 'failed', message }, issuer: skipIssuer };
  }

  // OB 3.0 §8.2: the registered claims must agree with the credential they wrap.
  const mismatches = jwtClaimMismatches(jwt.payload, credential);
  const signature: CheckResult =
    mismatches.length > 0
      ? { status: 'failed', message: `The signature is intact, but the token's details disagree with the credential inside it: ${mismatches.join('; ')}.` }
      : { status: 'passed', message: 'The digital signature is valid: the credential has not been changed since it was signed.' };

  let issuer: CheckResult;
  if (!issuerId) {
    issuer = { status: 'failed', message: 'The credential does not say who issued it.' };
  } else if (jwt.payload.iss !== issuerId) {
    issuer = { status: 'failed', message: `The token says it was issued by ${String(jwt.payload.iss)}, but the credential names ${issuerId}.` };
  } else if (controller === undefined && typeof kid !== 'string') {
    // An embedded key proves nothing by itself, unless it is the issuer's did:key.
    issuer = sameDidKey(issuerId, jwk)
      ? { status: 'passed', message: `Signed with the issuer's own key (${issuerId}).` }
      : { status: 'failed', message: 'The token carries its own key, and nothing shows that this key belongs to the issuer.' };
  } else if (controller !== issuerId) {
    issuer = {
      status: 'failed',
      message: `The credential says it was issued by ${issuerId}, but it was signed with a key that belongs to ${controller ?? 'someone else'}.`,
    };
  } else if (typeof kid === 'string' && !(await listsForAssertion(loader, issuerId, kid))) {
    // The same rule jsonld-signatures applies to Data Integrity proofs (proof purpose assertionMethod).
    issuer = { status: 'failed', message: `The issuer has not authorised this key to sign credentials (${kid} is not among its assertion keys).` };
  } else {
    issuer = { status: 'passed', message: `Signed with a key that belongs to the issuer (${issuerId}).` };
  }
  return { signature, issuer };
}

/** Does the controller document list `methodId` under assertionMethod? */
async function listsForAssertion(loader: DocumentLoader, controllerId: string, methodId: string): Promise<boolean> {
  const document = await tryLoad(loader, controllerId);
  return asArray(document?.assertionMethod).some((m) => m === methodId || (m && typeof m === 'object' && (m as JsonObject).id === methodId));
}

function jwtClaimMismatches(payload: JsonObject, credential: JsonObject): string[] {
  const problems: string[] = [];
  if (payload.vc === undefined) {
    if (typeof credential.id === 'string' && payload.jti !== credential.id) problems.push('“jti” is not the credential id');
    const subjectId = subjectOf(credential)?.id;
    if (typeof subjectId === 'string' && payload.sub !== subjectId) problems.push('“sub” is not the learner id');
    const validFrom = seconds(credential.validFrom);
    if (validFrom !== undefined && payload.nbf !== validFrom) problems.push('“nbf” is not the start date (validFrom)');
    const validUntil = seconds(credential.validUntil);
    if ((validUntil !== undefined || payload.exp !== undefined) && payload.exp !== validUntil) problems.push('“exp” is not the end date (validUntil)');
  }
  return problems;
}

function seconds(value: unknown): number | undefined {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** A DID document or controller document → the method `id` names; a method or JWK → itself. */
function pickMethod(document: JsonObject, id: string): JsonObject | undefined {
  if (document.kty || document.publicKeyMultibase || document.publicKeyJwk) return document;
  const methods = asArray(document.verificationMethod).filter((m): m is JsonObject => !!m && typeof m === 'object');
  const byId = methods.find((m) => m.id === id);
  if (byId) return { controller: document.id, ...byId };
  // A bare DID as kid: use the key it lists for signing credentials.
  const assertion = asArray(document.assertionMethod)[0];
  const assertionId = typeof assertion === 'string' ? assertion : (assertion as JsonObject | undefined)?.id;
  const found = methods.find((m) => m.id === assertionId) ?? (assertion && typeof assertion === 'object' ? (assertion as JsonObject) : undefined);
  return found ? { controller: document.id, ...found } : undefined;
}

function publicJwkOf(method: JsonObject): JWK | undefined {
  if (typeof method.kty === 'string') return method as unknown as JWK;
  if (method.publicKeyJwk && typeof method.publicKeyJwk === 'object') return method.publicKeyJwk as JWK;
  if (typeof method.publicKeyMultibase === 'string') return jwkFromPublicKeyMultibase(method.publicKeyMultibase);
  return undefined;
}

function sameDidKey(issuerId: string, jwk: JWK): boolean {
  if (!issuerId.startsWith('did:key:')) return false;
  const method = resolveDidKey(`${issuerId}#${issuerId.slice('did:key:'.length)}`);
  const issuerJwk = method ? publicJwkOf(method) : undefined;
  return !!issuerJwk && jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x === issuerJwk.x;
}

function methodIdOf(proof: JsonObject): string | undefined {
  const vm = proof.verificationMethod;
  if (typeof vm === 'string') return vm;
  if (vm && typeof vm === 'object' && typeof (vm as JsonObject).id === 'string') return (vm as JsonObject).id as string;
  return undefined;
}

function controllerOf(method: JsonObject): string | undefined {
  const controller = method.controller;
  if (typeof controller === 'string') return controller;
  if (controller && typeof controller === 'object' && typeof (controller as JsonObject).id === 'string') return (controller as JsonObject).id as string;
  return undefined;
}

async function tryLoad(loader: DocumentLoader, url: string): Promise<JsonObject | undefined> {
  try {
    const { document } = await loader(url);
    return document && typeof document === 'object' ? (document as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

// --- Validity --------------------------------------------------------------------------------

function checkValidity(credential: JsonObject, now: Date): CheckResult {
  const from = dateOf(credential.validFrom);
  const until = dateOf(credential.validUntil);
  if (credential.validFrom === undefined) return { status: 'failed', message: 'The credential does not say from when it is valid.' };
  if (!from) return { status: 'failed', message: 'The credential’s start date is not a valid date.' };
  if (credential.validUntil !== undefined && !until) return { status: 'failed', message: 'The credential’s end date is not a valid date.' };
  if (from.getTime() - CLOCK_SKEW_MS > now.getTime()) {
    return { status: 'failed', message: `This credential is not valid yet: it becomes valid on ${day(from)}.` };
  }
  if (until && until.getTime() + CLOCK_SKEW_MS < now.getTime()) {
    return { status: 'failed', message: `This credential expired on ${day(until)}.` };
  }
  return {
    status: 'passed',
    message: until ? `Valid from ${day(from)} until ${day(until)}.` : `Valid since ${day(from)}, with no end date.`,
  };
}

/** XML Schema dateTime with a time zone, as VC 2.0 requires. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A moment inside the credential's validity window, closest to `now`. */
function insideValidity(credential: JsonObject, now: Date): Date {
  let t = now.getTime();
  const until = dateOf(credential.validUntil);
  const from = dateOf(credential.validFrom);
  if (until && t > until.getTime()) t = until.getTime();
  if (from && t < from.getTime()) t = from.getTime();
  return new Date(t);
}

// --- Status (Bitstring Status List) ----------------------------------------------------------

type StatusResult = CheckResult & { revoked: boolean };

async function checkStatus(credential: JsonObject, options: VerifyOptions, loader: DocumentLoader, now: Date): Promise<StatusResult> {
  const entries = asArray(credential.credentialStatus);
  if (entries.length === 0) {
    return { status: 'skipped', message: 'The issuer offers no way to revoke this credential, so there is nothing to check.', revoked: false };
  }
  if (entries.length > MAX_STATUS_ENTRIES) {
    return {
      status: 'warning',
      message: `Whether the issuer has revoked this credential could not be checked: it names ${entries.length} status lists, and at most ${MAX_STATUS_ENTRIES} are checked.`,
      revoked: false,
    };
  }
  const results: StatusResult[] = [];
  for (const entry of entries) results.push(await checkStatusEntry(entry, credential, options, loader, now));
  // The worst outcome decides; revocation wins over everything.
  const rank = { failed: 3, warning: 2, passed: 1, skipped: 0 } as const;
  results.sort((a, b) => rank[b.status] - rank[a.status]);
  return { ...results[0], revoked: results.some((r) => r.revoked) };
}

async function checkStatusEntry(entry: unknown, credential: JsonObject, options: VerifyOptions, loader: DocumentLoader, now: Date): Promise<StatusResult> {
  const cannot = (why: string): StatusResult => ({
    status: 'warning',
    message: `Whether the issuer has revoked this credential could not be checked: ${why}`,
    revoked: false,
  });
  if (!entry || typeof entry !== 'object') return cannot('its status information is malformed.');
  const status = entry as JsonObject;
  if (status.type !== 'BitstringStatusListEntry') {
    return cannot(`it uses a kind of revocation list this tool cannot read (“${String(status.type)}”).`);
  }
  const purpose = status.statusPurpose;
  const listUrl = status.statusListCredential;
  const indexText = typeof status.statusListIndex === 'number' ? String(status.statusListIndex) : status.statusListIndex;
  if (typeof listUrl !== 'string' || typeof indexText !== 'string' || !/^\d+$/.test(indexText) || typeof purpose !== 'string') {
    return cannot('its status information is incomplete.');
  }
  const statusSize = status.statusSize === undefined ? 1 : Number(status.statusSize);
  if (!Number.isInteger(statusSize) || statusSize < 1 || statusSize > 8) return cannot('its status information is malformed.');
  if (!options.fetchStatusList) return cannot('the issuer’s revocation list was not fetched.');

  let fetched: unknown;
  try {
    fetched = await withTimeout(options.fetchStatusList(listUrl), STATUS_LIST_TIMEOUT_MS);
  } catch (error) {
    // The fetch guard says what it refused and why (an internal address, too large, …).
    if (error instanceof OutboundFetchError) return cannot(error.message);
    fetched = undefined;
  }
  if (fetched === undefined || fetched === null) return cannot(`the issuer’s revocation list (${listUrl}) could not be reached.`);

  // The list is a credential itself: it counts only if the same issuer signed it.
  const parsed = parseInput(fetched);
  if (!parsed.ok) return cannot('the issuer’s revocation list is unreadable.');
  const list = parsed.credential;
  const listSubject = subjectOf(list);
  if (!listSubject || !asArray(list.type).includes('BitstringStatusListCredential') || !asArray(listSubject.type).includes('BitstringStatusList')) {
    return cannot('what the issuer published is not a revocation list.');
  }
  const proof = parsed.form === 'jwt' ? await checkJwtProof(parsed.jwt, list, loader) : await checkDataIntegrityProof(list, loader, now);
  if (proof.signature.status !== 'passed') return cannot('the revocation list’s signature is not valid.');
  if (proof.issuer.status !== 'passed' || issuerIdOf(list) !== issuerIdOf(credential)) {
    return cannot('the revocation list was not signed by the credential’s issuer.');
  }
  const listValidity = checkValidity(list, now);
  if (listValidity.status !== 'passed') return cannot('the revocation list is out of date.');
  if (!asArray(listSubject.statusPurpose).includes(purpose)) return cannot('the revocation list is for a different purpose.');

  let value: number;
  try {
    const bitstring = decodeStatusList(listSubject.encodedList as string);
    value = readStatusValue(bitstring, Number(indexText), statusSize);
  } catch {
    return cannot('the revocation list is damaged or too short.');
  }
  if (purpose === 'revocation') {
    return value !== 0
      ? { status: 'failed', message: 'The issuer has revoked this credential. It is no longer valid.', revoked: true }
      : { status: 'passed', message: 'The issuer has not revoked this credential.', revoked: false };
  }
  if (purpose === 'suspension') {
    return value !== 0
      ? { status: 'failed', message: 'The issuer has suspended this credential: it is not valid for now.', revoked: false }
      : { status: 'passed', message: 'The issuer has not suspended this credential.', revoked: false };
  }
  return { status: 'skipped', message: `The credential has a “${purpose}” status, which does not affect whether it is valid.`, revoked: false };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- Summary ---------------------------------------------------------------------------------

function summarize(credential: JsonObject): VerificationReport['summary'] {
  const subject = subjectOf(credential);
  const achievement = subject?.achievement && typeof subject.achievement === 'object' ? (subject.achievement as JsonObject) : undefined;
  const issuer = credential.issuer && typeof credential.issuer === 'object' ? (credential.issuer as JsonObject) : undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    achievementName: text(achievement?.name),
    issuerName: text(issuer?.name),
    issuerId: issuerIdOf(credential),
    subjectId: text(subject?.id),
    validFrom: text(credential.validFrom),
    validUntil: text(credential.validUntil),
  };
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
