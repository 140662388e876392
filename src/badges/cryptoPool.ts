/**
 * Signing and verifying on every core. Both are JSON-LD CPU work (expansion and RDF
 * canonicalisation), so on one event loop a cohort of awards would hold up every page. The
 * pool runs them on worker threads (piscina), as many as the machine has cores unless
 * CRYPTO_THREADS says otherwise; 0 keeps them in this thread (the old behaviour).
 *
 * A task carries the credential and the signing key pair (exported Multikey; never logged).
 * What the worker cannot know — our keys and status lists in the database, other issuers'
 * lists behind the outbound-fetch guard — it asks this thread for over the task's MessagePort,
 * so the resolvers stay where the connections are. See docs/decisions/0020.
 */
import { MessageChannel } from 'node:worker_threads';
import path from 'node:path';
import { Piscina } from 'piscina';
import { documentLoader as offlineLoader, type DocumentLoader } from './documentLoader';
import type { CryptoResult, CryptoTask, LookupRequest, LookupResponse, SerializedError } from './cryptoWorker';
import { serializeError } from './cryptoWorker';
import { type Ed25519KeyPair, exportKeyPair } from './keys';
import { type Credential, CredentialSigningError, signBothForms } from './sign';
import { type VerificationReport, type VerifyOptions, verifyOpenBadgeCredential } from './verify';

/** The one signing path's shape (src/badges/sign.ts signBothForms). */
export type SignBothForms = (credential: Credential, keyPair: Ed25519KeyPair, loader?: DocumentLoader) => Promise<{ credential: Credential; jwt: string }>;
/** The verifier's shape (src/badges/verify.ts verifyOpenBadgeCredential). */
export type VerifyCredential = (input: string | Buffer | object, options?: VerifyOptions) => Promise<VerificationReport>;

type Lookup = (request: LookupRequest) => Promise<unknown>;

interface PendingSignature {
  credential: Credential;
  keyPair: Ed25519KeyPair;
  loader: DocumentLoader;
  resolve: (signed: { credential: Credential; jwt: string }) => void;
  reject: (error: unknown) => void;
}

export class CryptoPool {
  private pool?: Piscina;
  private tasks = { sign: 0, verify: 0, signingTasks: 0 };
  /** Signatures asked for in this turn of the event loop, sent at its end (sendSignatures). */
  private signing: PendingSignature[] = [];

  /** `threads` 0: sign and verify in the calling thread. */
  constructor(readonly threads: number) {}

  /** The pool, started on first use, so a process that never signs starts no threads. */
  private piscina(): Piscina {
    if (!this.pool) {
      // Compiled (dist/, npm start): start the compiled worker. From source (ts-jest, tsx):
      // a tiny CommonJS loader registers tsx in the thread, then loads the TypeScript worker.
      const compiled = __filename.endsWith('.js');
      this.pool = new Piscina({
        filename: compiled ? path.join(__dirname, 'cryptoWorker.js') : path.resolve(__dirname, '../../scripts/ts-worker.cjs'),
        workerData: { entry: path.join(__dirname, 'cryptoWorker.ts') },
        name: 'run',
        minThreads: this.threads,
        maxThreads: this.threads,
        // Tasks await lookups from this thread: a worker must keep its event loop, and may
        // start a second task while the first waits for the database.
        atomics: 'disabled',
        concurrentTasksPerWorker: 2,
        // JSON-LD processing makes mostly short-lived garbage, which fills V8's default young
        // generation (up to 48 MiB a thread). With 6 MiB, 800 signatures on 2 threads left the
        // process at ~145 MiB instead of ~195 MiB, for ~9 % less throughput (decision 0020).
        resourceLimits: { maxYoungGenerationSizeMb: 6 },
      });
    }
    return this.pool;
  }

  /**
   * signBothForms (Data Integrity proof, then the VC-JWT over it) on a worker thread. Calls made
   * in the same turn of the event loop (an issuance batch asks for all its signatures at once)
   * travel together, a share of them per thread: each task costs a message channel, a round
   * trip between threads and the worker's set-up (decision 0020 has the measurements).
   */
  readonly signBothForms: SignBothForms = async (credential, keyPair, loader = offlineLoader) => {
    if (this.threads === 0) return signBothForms(credential, keyPair, loader);
    if (!keyPair.secretKeyMultibase) throw new CredentialSigningError('This key pair has no secret key, so it cannot sign.');
    this.tasks.sign++;
    return new Promise((resolve, reject) => {
      if (this.signing.push({ credential, keyPair, loader, resolve, reject }) === 1) queueMicrotask(() => this.sendSignatures());
    });
  };

  /** The signatures asked for in this turn: a task per thread for each key and loader. */
  private sendSignatures(): void {
    const waiting = this.signing;
    this.signing = [];
    const groups = new Map<string, PendingSignature[]>();
    const ids = new Map<object, number>();
    const idOf = (o: object) => ids.get(o) ?? (ids.set(o, ids.size), ids.size - 1);
    for (const request of waiting) {
      const group = `${idOf(request.keyPair)} ${idOf(request.loader)}`;
      const members = groups.get(group);
      if (members) members.push(request);
      else groups.set(group, [request]);
    }
    for (const group of groups.values()) {
      const size = Math.ceil(group.length / this.threads);
      for (let i = 0; i < group.length; i += size) void this.signChunk(group.slice(i, i + size));
    }
  }

  private async signChunk(chunk: PendingSignature[]): Promise<void> {
    const { keyPair, loader } = chunk[0];
    this.tasks.signingTasks++;
    const key = { ...exportKeyPair(keyPair, { secretKey: true }), ...(keyPair.jwkId ? { jwkId: keyPair.jwkId } : {}) };
    try {
      const result = await this.runTask(
        (port) => ({ kind: 'sign', credentials: chunk.map((request) => request.credential), key, port }),
        async ({ url }) => (await loader(url)).document,
      );
      if (result.kind === 'failed') throw rebuild(result.error, result.signing);
      if (result.kind !== 'signed') throw new Error('The crypto worker answered a signing task with something else.');
      for (const [i, signed] of result.signed.entries()) {
        if ('error' in signed) chunk[i].reject(rebuild(signed.error, signed.signing));
        else chunk[i].resolve(signed);
      }
    } catch (error) {
      for (const request of chunk) request.reject(error);
    }
  }

  /** verifyOpenBadgeCredential on a worker thread; its resolvers run in this one. */
  readonly verify: VerifyCredential = async (input, options = {}) => {
    if (this.threads === 0) return verifyOpenBadgeCredential(input, options);
    this.tasks.verify++;
    const result = await this.runTask(
      (port) => ({
        kind: 'verify',
        input: Buffer.isBuffer(input) ? new Uint8Array(input) : input,
        now: options.now,
        credentialKind: options.kind,
        resolveKey: !!options.resolveKey,
        fetchStatusList: !!options.fetchStatusList,
        port,
      }),
      async ({ kind, url }) => (kind === 'resolve' ? options.resolveKey?.(url) : options.fetchStatusList?.(url)),
    );
    if (result.kind === 'failed') throw rebuild(result.error, false);
    if (result.kind !== 'verified') throw new Error('The crypto worker answered a verification task with something else.');
    return result.report;
  };

  private async runTask(task: (port: MessagePort) => CryptoTask, lookup: Lookup): Promise<CryptoResult> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (request: LookupRequest) => {
      lookup(request).then(
        (value) => port1.postMessage({ id: request.id, value: value ?? undefined } satisfies LookupResponse),
        (error) => port1.postMessage({ id: request.id, error: serializeError(error) } satisfies LookupResponse),
      );
    });
    try {
      return (await this.piscina().run(task(port2 as unknown as MessagePort), { transferList: [port2] as never })) as CryptoResult;
    } finally {
      port1.close();
    }
  }

  /** For the benches and the admin console. */
  stats() {
    return {
      threads: this.threads,
      signed: this.tasks.sign,
      /** Tasks the signatures travelled in (a task carries a share of what was asked at once). */
      signingTasks: this.tasks.signingTasks,
      verified: this.tasks.verify,
      utilization: this.pool?.utilization ?? 0,
      queued: this.pool?.queueSize ?? 0,
    };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}

type MessagePort = import('node:worker_threads').MessagePort;

function rebuild(error: SerializedError, signing: boolean): Error {
  if (signing) return new CredentialSigningError(error.message);
  return Object.assign(new Error(error.message), { name: error.name });
}
