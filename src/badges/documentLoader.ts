/**
 * An offline JSON-LD document loader for signing and verifying credentials.
 *
 * It never touches the network: a credential's signature must not depend on what some web
 * server answers today (contexts can change or vanish, and fetching them leaks who verifies
 * what). It serves the bundled contexts, resolves did:key identifiers (Ed25519) by computing
 * their DID document, and asks an optional resolver supplied by the caller (for example the
 * app's own issuer keys). Anything else is refused with an error naming the URL.
 */
import { bundledContexts, DID_V1_CONTEXT, MICROCRED_CONTEXTS, MULTIKEY_V1_CONTEXT } from './contexts';
import type { DocumentLoader, JsonObject, RemoteDocument } from './esm';
import { decodeEd25519PublicKeyMultibase } from './keys';

export type { DocumentLoader } from './esm';

/**
 * Supplies documents the loader does not bundle: a DID document, a verification method
 * (Multikey or JsonWebKey), or a context. Return undefined when the URL is not yours.
 */
export type ExtraResolver = (url: string) => Promise<unknown> | unknown;

export interface DocumentLoaderOptions {
  resolve?: ExtraResolver;
}

/** Thrown for any URL that is neither bundled nor resolvable offline. */
export class DocumentNotBundledError extends Error {
  constructor(readonly url: string) {
    super(`The document "${url}" is not bundled with microcred and is never fetched from the network.`);
    this.name = 'DocumentNotBundledError';
  }
}

/** Ed25519 public keys in multibase start with "z6Mk" (base58btc of the 0xed01 multicodec). */
const ED25519_DID_KEY = /^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]+)$/;

export function createDocumentLoader(options: DocumentLoaderOptions = {}): DocumentLoader {
  return async (url: string): Promise<RemoteDocument> => {
    const bundled = bundledContexts.get(url);
    // `tag: 'static'`: jsonld.js keeps what it resolved from these across operations (they
    // never change while the process runs), so each context is processed once, not per document.
    if (bundled !== undefined) return { contextUrl: null, documentUrl: url, document: bundled, tag: 'static' };
    const microcred = microcredContextFor(url);
    if (microcred !== undefined) return { contextUrl: null, documentUrl: url, document: microcred, tag: 'static' };

    if (url.startsWith('did:key:')) {
      const document = resolveDidKey(url);
      if (document) return { contextUrl: null, documentUrl: url, document };
    }

    if (options.resolve) {
      const document = await options.resolve(url);
      if (document !== undefined && document !== null) {
        return { contextUrl: null, documentUrl: url, document: typeof document === 'string' ? JSON.parse(document) : document };
      }
    }
    throw new DocumentNotBundledError(url);
  };
}

/**
 * https://<any installation>/…/contexts/microcred-v<n>.json → the bundled copy of that version
 * (fixed content per version, so any host); undefined for any other URL.
 */
export function microcredContextFor(url: string): unknown {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.search || u.hash) return undefined;
  const path = Object.keys(MICROCRED_CONTEXTS).find((p) => u.pathname.endsWith(p));
  return path === undefined ? undefined : MICROCRED_CONTEXTS[path];
}

/** The loader with only the bundled contexts and did:key. */
export const documentLoader: DocumentLoader = createDocumentLoader();

/**
 * did:key → its DID document; did:key#fragment → the Multikey verification method.
 * Returns undefined for a did:key that is not a valid Ed25519 key.
 */
export function resolveDidKey(url: string): JsonObject | undefined {
  const [did, fragment] = splitFragment(url);
  const match = ED25519_DID_KEY.exec(did);
  if (!match) return undefined;
  const publicKeyMultibase = match[1];
  // A did:key has exactly one key, whose fragment is the key itself.
  if (fragment !== undefined && fragment !== publicKeyMultibase) return undefined;
  if (!decodeEd25519PublicKeyMultibase(publicKeyMultibase)) return undefined;
  const method = {
    id: `${did}#${publicKeyMultibase}`,
    type: 'Multikey',
    controller: did,
    publicKeyMultibase,
  };
  if (fragment !== undefined) return { '@context': MULTIKEY_V1_CONTEXT, ...method };
  return {
    '@context': [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
    id: did,
    verificationMethod: [method],
    authentication: [method.id],
    assertionMethod: [method.id],
    capabilityDelegation: [method.id],
    capabilityInvocation: [method.id],
  };
}

function splitFragment(url: string): [string, string | undefined] {
  const hash = url.indexOf('#');
  return hash < 0 ? [url, undefined] : [url.slice(0, hash), url.slice(hash + 1)];
}
