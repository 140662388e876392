/**
 * The one place that loads the ESM-only Digital Bazaar packages, with the few types we use.
 *
 * Why `require()`: this project compiles to CommonJS (module Node16). There TypeScript keeps
 * `await import()` as a real dynamic import, which works in the compiled app but not under jest
 * without --experimental-vm-modules; and a static `import` of an ESM-only package compiles to
 * `require()` anyway (or is refused, TS1479, once the package ships types; these ship none).
 * A plain `require()`, typed here by hand, works in both:
 *   - compiled app: Node >= 20.19 loads ES modules with `require()` (none of these packages uses
 *     top-level await, which is the one thing require(esm) cannot load);
 *   - jest: jest.config.js lets ts-jest transpile these packages (and their ESM-only helpers
 *     base58-universal, base64url-universal) to CommonJS, see `transformIgnorePatterns` there.
 * On an older Node that throws ERR_REQUIRE_ESM we fall back to a real dynamic import, so the
 * loaders are async. See docs/decisions/0004-ob3-verification-and-offline-contexts.md.
 */

import { withKeyObjects } from './ed25519KeyObjects';

/** A JSON-LD document loader as jsonld.js expects it. */
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;
export interface RemoteDocument {
  contextUrl: string | null;
  documentUrl: string;
  document: unknown;
  /** 'static': the document never changes, so jsonld.js may cache what it resolves from it. */
  tag?: 'static';
}

export type JsonObject = Record<string, unknown>;

/** The key pair object of @digitalbazaar/ed25519-multikey. */
export interface MultikeyKeyPair {
  id?: string;
  controller?: string;
  publicKeyMultibase: string;
  secretKeyMultibase?: string;
  publicKey: Uint8Array;
  secretKey?: Uint8Array;
  export(options?: {
    publicKey?: boolean;
    secretKey?: boolean;
    includeContext?: boolean;
    raw?: boolean;
    canonicalize?: boolean;
  }): Promise<JsonObject & { publicKey?: Uint8Array; secretKey?: Uint8Array }>;
  signer(): { id?: string; algorithm: string; sign(input: { data: Uint8Array }): Promise<Uint8Array> };
  verifier(): { id?: string; algorithm: string; verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean> };
}

export interface Ed25519MultikeyModule {
  generate(options?: { id?: string; controller?: string; seed?: Uint8Array }): Promise<MultikeyKeyPair>;
  from(key: JsonObject): Promise<MultikeyKeyPair>;
  fromJwk(options: { jwk: JsonObject; secretKey?: boolean; id?: string; controller?: string }): Promise<MultikeyKeyPair>;
}

/** Result of jsonld-signatures `verify`, as passed through by @digitalbazaar/vc. */
export interface VcVerifyResult {
  verified: boolean;
  error?: Error & { errors?: Error[] };
  results?: Array<{
    verified: boolean;
    error?: Error & { errors?: Error[] };
    purposeResult?: { valid: boolean; error?: Error; controller?: JsonObject };
    verificationMethod?: JsonObject;
  }>;
  statusResult?: { verified: boolean };
}

export interface VcModule {
  issue(options: { credential: JsonObject; suite: unknown; documentLoader: DocumentLoader; now?: Date }): Promise<JsonObject>;
  verifyCredential(options: {
    credential: JsonObject;
    suite: unknown;
    documentLoader: DocumentLoader;
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>;
    now?: Date;
  }): Promise<VcVerifyResult>;
}

/** The presentation half of @digitalbazaar/vc: DID Authentication (src/wallets/didAuth.ts). */
export interface VcPresentationModule {
  createPresentation(options: { holder?: string; verifiableCredential?: JsonObject[]; id?: string; version?: number }): JsonObject;
  signPresentation(options: {
    presentation: JsonObject;
    suite: unknown;
    challenge: string;
    domain?: string;
    documentLoader: DocumentLoader;
  }): Promise<JsonObject>;
  verify(options: { presentation: JsonObject; suite: unknown; challenge: string; domain?: string; documentLoader: DocumentLoader }): Promise<{
    verified: boolean;
    error?: Error & { errors?: Error[] };
    presentationResult?: VcVerifyResult;
  }>;
}

export interface Ed25519Signature2020Module {
  Ed25519Signature2020: new (options?: { signer?: unknown; key?: unknown }) => unknown;
}

export interface DataIntegrityModule {
  DataIntegrityProof: new (options: { signer?: unknown; cryptosuite: unknown; date?: string | Date }) => unknown;
}

export interface Libraries {
  vc: VcModule;
  DataIntegrityProof: DataIntegrityModule['DataIntegrityProof'];
  cryptosuite: unknown;
  Ed25519Multikey: Ed25519MultikeyModule;
}

async function load<T>(specifier: string): Promise<T> {
  try {
    return require(specifier) as T;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw error;
    // Node < 20.19: no require(esm). A variable specifier keeps TypeScript from typing it.
    return (await import(specifier)) as T;
  }
}

let libraries: Promise<Libraries> | undefined;

/** The signing/verification libraries, loaded once. */
export function loadLibraries(): Promise<Libraries> {
  libraries ??= (async () => {
    const [vc, dataIntegrity, eddsa, Ed25519Multikey] = await Promise.all([
      load<VcModule>('@digitalbazaar/vc'),
      load<DataIntegrityModule>('@digitalbazaar/data-integrity'),
      load<{ cryptosuite: unknown }>('@digitalbazaar/eddsa-rdfc-2022-cryptosuite'),
      load<Ed25519MultikeyModule>('@digitalbazaar/ed25519-multikey'),
    ]);
    // The suite verifies with a public KeyObject built once per key (ed25519KeyObjects.ts).
    const cryptosuite = withKeyObjects(eddsa.cryptosuite as object, Ed25519Multikey);
    return { vc, DataIntegrityProof: dataIntegrity.DataIntegrityProof, cryptosuite, Ed25519Multikey };
  })();
  // A failed load should be retried next time rather than cached.
  libraries.catch(() => {
    libraries = undefined;
  });
  return libraries;
}

let presentationLibraries: Promise<{ vc: VcPresentationModule; Ed25519Signature2020: Ed25519Signature2020Module['Ed25519Signature2020'] }> | undefined;

/**
 * The libraries for verifiable presentations, loaded on first use: the DCC Learner Credential
 * Wallet signs its DID Authentication with Ed25519Signature2020 (docs/decisions/0014).
 */
export function loadPresentationLibraries() {
  presentationLibraries ??= (async () => {
    const [vc, ed2020] = await Promise.all([
      load<VcPresentationModule>('@digitalbazaar/vc'),
      load<Ed25519Signature2020Module>('@digitalbazaar/ed25519-signature-2020'),
    ]);
    return { vc, Ed25519Signature2020: ed2020.Ed25519Signature2020 };
  })();
  presentationLibraries.catch(() => {
    presentationLibraries = undefined;
  });
  return presentationLibraries;
}
