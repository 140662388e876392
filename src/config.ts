// The one place that reads the environment. Every setting is validated here, so a
// wrong value stops the process at start with the variable's name and the fix.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type AllowEntry, parseAllowList } from './net/addresses';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://microcred.example.edu' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must start with postgres:// or postgresql://' })
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{43,}$/, {
      message: 'must be at least 32 random bytes, base64 encoded (try: openssl rand -base64 32)',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().default('loopback'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  NODE_ENV: z.string().default('development'),
  /** Where uploaded evidence files are kept: in PostgreSQL (default, one thing to back up) or under DATA_DIR/files. */
  FILE_STORAGE: z.enum(['database', 'disk'], { message: 'must be "database" or "disk"' }).default('database'),
  /** Largest evidence upload in MB; a rubric criterion can set a lower limit. */
  MAX_UPLOAD_MB: z.coerce.number().positive({ message: 'must be a positive number of megabytes' }).max(1024).default(25),
  /** on: this process runs background jobs (badge issuance). off: another process does, or none (benchmarks). */
  BACKGROUND_JOBS: z.enum(['on', 'off'], { message: 'must be "on" or "off"' }).default('on'),
  /** At most this many simultaneous calls to one LMS's services (grade passback, roster). */
  LTI_SERVICE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * Internal hosts microcred may fetch status lists (and an LMS configuration) from, besides
   * those allowed in the admin console: host names, *.domains, IP addresses or CIDR ranges,
   * separated by commas or spaces.
   */
  OUTBOUND_ALLOWLIST: z.string().default(''),
  /**
   * The SMTP server learners' mail goes through, e.g. smtps://user:pass@mail.example.edu:465 or
   * smtp://relay.example.edu:587 (STARTTLS when offered). Unset: no mail is sent, and the admin console says so.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, { message: 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.edu:465' })
    .optional(),
  /** The sender of learners' mail; by default no-reply at PUBLIC_URL's host. */
  MAIL_FROM: z.string().min(3).optional(),
  /** Worker threads that sign and verify credentials (default: one per core); 0 does it on the main thread. */
  CRYPTO_THREADS: z.coerce.number().int().min(0).max(256).optional(),
  /** Test mode only: let this many issuances through, then hold each further one after signing (a crash test kills the process there). */
  TEST_HOLD_ISSUANCE_AFTER: z.coerce.number().int().min(0).optional(),
});

export interface AppConfig {
  port: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** 32 bytes; encrypts secrets at rest and signs ltijs's internal tokens. */
  encryptionKey: Buffer;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  trustProxy: string | boolean | number;
  embeddedPgPort: number;
  production: boolean;
  fileStorage: 'database' | 'disk';
  maxUploadBytes: number;
  backgroundJobs: boolean;
  serviceConcurrency: number;
  /** CRYPTO_THREADS, or the machine's core count (os.availableParallelism()). */
  cryptoThreads: number;
  /** OUTBOUND_ALLOWLIST, parsed. */
  outboundAllowList: AllowEntry[];
  /** SMTP_URL; undefined: no mail. */
  smtpUrl: string | undefined;
  /** MAIL_FROM, or microcred <no-reply@PUBLIC_URL's host>. */
  mailFrom: string;
  /** See TEST_HOLD_ISSUANCE_AFTER; undefined outside crash tests. */
  testHoldIssuanceAfter: number | undefined;
}

function readOrCreateKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'encryption.key');
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length < 32) {
      throw new ConfigError(`${file} holds fewer than 32 bytes. Delete it to generate a new one, or set ENCRYPTION_KEY.`);
    }
    return key;
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const key = randomBytes(32);
  fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}

function parseTrustProxy(value: string): string | boolean | number {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const encryptionKey = e.ENCRYPTION_KEY ? Buffer.from(e.ENCRYPTION_KEY, 'base64') : readOrCreateKey(dataDir);
  if (encryptionKey.length < 32) {
    throw new ConfigError('ENCRYPTION_KEY: decodes to fewer than 32 bytes; generate one with: openssl rand -base64 32');
  }
  const allowList = parseAllowList(e.OUTBOUND_ALLOWLIST);
  if (allowList.problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${allowList.problems.map((p) => `  OUTBOUND_ALLOWLIST: ${p}`).join('\n')}`);
  }
  if (e.TEST_HOLD_ISSUANCE_AFTER !== undefined && e.NODE_ENV !== 'test') {
    throw new ConfigError('TEST_HOLD_ISSUANCE_AFTER: only for tests (NODE_ENV=test); it stops badge issuance. Remove it.');
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    encryptionKey: encryptionKey.subarray(0, 32),
    logLevel: e.LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    production: e.NODE_ENV === 'production',
    fileStorage: e.FILE_STORAGE,
    maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
    backgroundJobs: e.BACKGROUND_JOBS === 'on',
    serviceConcurrency: e.LTI_SERVICE_CONCURRENCY,
    cryptoThreads: e.CRYPTO_THREADS ?? os.availableParallelism(),
    outboundAllowList: allowList.entries,
    testHoldIssuanceAfter: e.TEST_HOLD_ISSUANCE_AFTER,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `microcred <no-reply@${new URL(publicUrl).hostname}>`,
  };
}
