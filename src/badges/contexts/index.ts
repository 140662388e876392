/**
 * The JSON-LD contexts bundled with microcred, by the URL they are published at.
 * Where each file comes from (npm package and version) is in SOURCE.md beside this file.
 * They are imported as JSON so that `tsc` copies them into dist/ with the code.
 */
import bitstringStatusListV1 from './bitstring-status-list-v1.json';
import clrContext201 from './clr-v2p0-context-2.0.1.json';
import credentialsUndefinedTermsV2 from './credentials-undefined-terms-v2.json';
import credentialsV1 from './credentials-v1.json';
import credentialsV2 from './credentials-v2.json';
import dataIntegrityV1 from './data-integrity-v1.json';
import dataIntegrityV2 from './data-integrity-v2.json';
import didV1 from './did-v1.json';
import ed25519Signature2020V1 from './ed25519-signature-2020-v1.json';
import edubadgesEducredential from './edubadges-educredential.json';
import microcredV1 from './microcred-v1.json';
import microcredV2 from './microcred-v2.json';
import multikeyV1 from './multikey-v1.json';
import obContext300 from './ob-v3p0-context-3.0.0.json';
import obContext301 from './ob-v3p0-context-3.0.1.json';
import obContext302 from './ob-v3p0-context-3.0.2.json';
import obContext303 from './ob-v3p0-context-3.0.3.json';
import obExtensions from './ob-v3p0-extensions.json';
import securityV1 from './security-v1.json';
import securityV2 from './security-v2.json';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const OB_V3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** Comprehensive Learner Record 2.0 (the learner's record a ClrCredential bundles; issue 18). */
export const CLR_V2_CONTEXT = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';
export const DID_V1_CONTEXT = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1_CONTEXT = 'https://w3id.org/security/multikey/v1';
/**
 * The context that defines JsonWebKey and publicKeyJwk (VC-JOSE-COSE). Named by our DID
 * document for its JsonWebKey methods; not bundled (no npm package carries it), which is
 * harmless: nothing here expands a DID document or a JWK method as JSON-LD (JOSE verifiers
 * read them as JSON, and jsonld-signatures does not frame a DID v1 document).
 */
export const JWK_V1_CONTEXT = 'https://w3id.org/security/jwk/v1';
export const EDUBADGES_CONTEXT = 'https://raw.githubusercontent.com/educredentials/obv3-examples/refs/heads/main/contexts/educredential.json';

/**
 * microcred's own contexts: the edubadges terms (with upstream's "context" typo corrected to
 * "@context", so they work in JSON-LD) and the Annex I elements edubadges has no name for.
 * Every installation publishes them at <PUBLIC_URL>/contexts/microcred-v<n>.json; the content
 * of each version is fixed forever (credentials signed with it must keep verifying), so the
 * loader serves the bundled copy for that path on any host.
 *
 * v2 (issue 15) leaves `ECTS` and `weight` without a datatype: a JSON number then becomes an
 * xsd:integer when whole (what edubadges' own context makes of ECTS) and an xsd:double
 * otherwise. v1 typed them xsd:decimal, which turns 7.5 into the ill-typed "7.5E0"^^xsd:decimal.
 * New credentials name v2; v1 stays for the credentials that name it.
 */
export const MICROCRED_CONTEXTS: Readonly<Record<string, unknown>> = {
  '/contexts/microcred-v1.json': microcredV1,
  '/contexts/microcred-v2.json': microcredV2,
};
/** The path of the version new credentials and Achievements name. */
export const MICROCRED_CONTEXT_PATH = '/contexts/microcred-v2.json';

export const bundledContexts: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  [VC_V2_CONTEXT, credentialsV2],
  [VC_V1_CONTEXT, credentialsV1],
  ['https://www.w3.org/ns/credentials/undefined-terms/v2', credentialsUndefinedTermsV2],
  ['https://www.w3.org/ns/credentials/status/v1', bitstringStatusListV1],
  ['https://w3id.org/security/data-integrity/v1', dataIntegrityV1],
  ['https://w3id.org/security/data-integrity/v2', dataIntegrityV2],
  [MULTIKEY_V1_CONTEXT, multikeyV1],
  [DID_V1_CONTEXT, didV1],
  ['https://w3id.org/security/suites/ed25519-2020/v1', ed25519Signature2020V1],
  ['https://w3id.org/security/v1', securityV1],
  ['https://w3id.org/security/v2', securityV2],
  // Open Badges 3.0: each published version under its own URL (they differ slightly).
  [OB_V3_CONTEXT, obContext303],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json', obContext302],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json', obContext301],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context.json', obContext300],
  ['https://purl.imsglobal.org/spec/ob/v3p0/extensions.json', obExtensions],
  [EDUBADGES_CONTEXT, edubadgesEducredential],
  [CLR_V2_CONTEXT, clrContext201],
]);
