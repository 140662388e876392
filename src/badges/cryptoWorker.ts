/**
 * The worker-thread half of the crypto pool (src/badges/cryptoPool.ts): signing and verifying
 * are JSON-LD CPU work, so they run here, on every core: a verification per task, and the
 * signatures asked for at once shared out, a task per thread. Whatever a
 * task needs from the main thread (our keys and status lists come from the database, other
 * issuers' lists through the outbound-fetch guard) it asks for over the MessagePort that comes
 * with the task; nothing here opens a database connection or a socket.
 */
import type { MessagePort } from 'node:worker_threads';
import { OutboundFetchError } from '../net/outboundFetch';
import { createDocumentLoader } from './documentLoader';
import { type Ed25519KeyPair, type ExportedKeyPair, importKeyPair } from './keys';
import { type Credential, CredentialSigningError, signBothForms } from './sign';
import { type VerificationReport, type VerifyOptions, verifyOpenBadgeCredential } from './verify';

/** What the worker asks the main thread for. */
export type LookupKind = 'resolve' | 'status';
export interface LookupRequest {
  id: number;
  kind: LookupKind;
  url: string;
}
/** A failure sent back across the thread boundary, where classes do not survive. */
export interface SerializedError {
  name: string;
  message: string;
  /** An OutboundFetchError's URL and problem, so the verifier's message stays as precise. */
  outbound?: { url: string; problem: unknown };
}
export type LookupResponse = { id: number; value: unknown } | { id: number; error: SerializedError };

export type CryptoTask =
  /** Credentials signed with one key, one after another: a share of an issuance batch. */
  | { kind: 'sign'; credentials: Credential[]; key: ExportedKeyPair; port: MessagePort }
  | {
      kind: 'verify';
      input: string | Uint8Array | object;
      now?: Date;
      /** What the input must be (VerifyOptions.kind): an Open Badge or a CLR. */
      credentialKind?: VerifyOptions['kind'];
      resolveKey: boolean;
      fetchStatusList: boolean;
      port: MessagePort;
    };

export type CryptoResult =
  /** Each credential's outcome, in order: one that cannot be signed fails alone. */
  | { kind: 'signed'; signed: ({ credential: Credential; jwt: string } | { error: SerializedError; signing: boolean })[] }
  | { kind: 'verified'; report: VerificationReport }
  | { kind: 'failed'; error: SerializedError; signing: boolean };

/** Key pairs rebuilt from their exported form, by that form (a rotated key is a new entry). */
const keyPairs = new Map<string, Promise<Ed25519KeyPair>>();

function keyPairFor(key: ExportedKeyPair): Promise<Ed25519KeyPair> {
  const cacheKey = `${key.id}\n${key.controller}\n${key.jwkId ?? ''}\n${key.secretKeyMultibase ?? key.publicKeyMultibase}`;
  let pair = keyPairs.get(cacheKey);
  if (!pair) {
    if (keyPairs.size > 16) keyPairs.clear();
    pair = importKeyPair(key);
    keyPairs.set(cacheKey, pair);
    pair.catch(() => keyPairs.delete(cacheKey));
  }
  return pair;
}

export function serializeError(error: unknown): SerializedError {
  const e = error as { name?: string; message?: string };
  const out: SerializedError = { name: e?.name ?? 'Error', message: e?.message ?? String(error) };
  if (error instanceof OutboundFetchError) out.outbound = { url: error.url, problem: error.problem };
  return out;
}

function lookups(port: MessagePort) {
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  port.on('message', (message: LookupResponse) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if ('error' in message) {
      const { error } = message;
      const rebuilt = error.outbound
        ? new OutboundFetchError(error.outbound.url, error.outbound.problem as ConstructorParameters<typeof OutboundFetchError>[1])
        : Object.assign(new Error(error.message), { name: error.name });
      waiting.reject(rebuilt);
    } else waiting.resolve(message.value);
  });
  // Within one task a URL is asked for once: verifying a credential and then its status list
  // resolves the same issuer's key and DID document twice, each a round trip to the main thread.
  const answered = new Map<string, Promise<unknown>>();
  return (kind: LookupKind, url: string) => {
    const key = `${kind} ${url}`;
    let answer = answered.get(key);
    if (!answer) {
      answer = new Promise<unknown>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        port.postMessage({ id, kind, url } satisfies LookupRequest);
      });
      answered.set(key, answer);
    }
    // A copy each time, as a fresh answer would be: nothing may see another caller's changes.
    return answer.then((value) => structuredClone(value));
  };
}

/** Piscina calls this for every task (the pool names it). */
export async function run(task: CryptoTask): Promise<CryptoResult> {
  const lookup = lookups(task.port);
  try {
    if (task.kind === 'sign') {
      const loader = createDocumentLoader({ resolve: (url) => lookup('resolve', url) });
      const keyPair = await keyPairFor(task.key);
      const signed = [];
      for (const credential of task.credentials)
        signed.push(
          await signBothForms(credential, keyPair, loader).catch((error) => ({
            error: serializeError(error),
            signing: error instanceof CredentialSigningError,
          })),
        );
      return { kind: 'signed', signed };
    }
    const report = await verifyOpenBadgeCredential(task.input, {
      now: task.now,
      kind: task.credentialKind,
      resolveKey: task.resolveKey ? (url) => lookup('resolve', url) : undefined,
      fetchStatusList: task.fetchStatusList ? (url) => lookup('status', url) : undefined,
    });
    return { kind: 'verified', report };
  } catch (error) {
    return { kind: 'failed', error: serializeError(error), signing: error instanceof CredentialSigningError };
  } finally {
    task.port.close();
  }
}
