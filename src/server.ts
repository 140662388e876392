// Starts microcred: config → database (embedded or DATABASE_URL) → ltijs → express.
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Provider } from 'ltijs';
import { AdminAccounts } from './admin/accounts';
import { DynamicRegistrations } from './admin/dynamicRegistration';
import { IssuerProfileStore } from './issuer/issuerProfile';
import { OutboundAllowListStore } from './admin/outboundAllowList';
import { SigningKeys } from './issuer/signingKeys';
import { BadgeIssuer, holdIssuanceAfter } from './badges/issuance';
import { StatusLists } from './badges/statusLists';
import { HolderCopies } from './wallets/holderCopies';
import { VcApiExchanges } from './wallets/vcApiExchanges';
import { BackgroundJobs } from './jobs/backgroundJobs';
import { jobTable } from './jobs/jobTable';
import { LtiServiceClient } from './lti/serviceClient';
import { GradePassback } from './grades/passback';
import { createFileStorage } from './assessment/fileStorage';
import { AssessmentStore } from './assessment/store';
import { QaStore } from './qa/store';
import { type AppConfig, ConfigError, loadConfig } from './config';
import { type Database, openDatabase } from './db/database';
import { startHousekeeping } from './db/housekeeping';
import { createLogger } from './logger';
import { PlatformRegistry } from './lti/platforms';
import { createLtiProvider } from './lti/provider';
import { OutboundFetcher } from './net/outboundFetch';
import { createApp } from './web/app';

export interface RunningApp {
  server: Server;
  /** The express app the server runs (tests read its route table). */
  app: Express;
  url: string;
  database: Database;
  accounts: AdminAccounts;
  platforms: PlatformRegistry;
  registrations: DynamicRegistrations;
  allowList: OutboundAllowListStore;
  outbound: OutboundFetcher;
  assessment: AssessmentStore;
  signingKeys: SigningKeys;
  issuer: IssuerProfileStore;
  badges: BadgeIssuer;
  /** Holder-bound copies of awards' credentials, for wallets. */
  holderCopies: HolderCopies;
  /** VC-API exchanges (the DCC Learner Credential Wallet). */
  vcApi: VcApiExchanges;
  jobs: BackgroundJobs;
  services: LtiServiceClient;
  passback: GradePassback;
  qa: QaStore;
  lti: Provider;
  stop(): Promise<void>;
}

export async function startServer(config: AppConfig): Promise<RunningApp> {
  const log = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPgPort, log });
  let lti: Provider;
  try {
    lti = await createLtiProvider({ databaseUrl: database.url, encryptionKey: config.encryptionKey, pool: database.pool });
  } catch (err) {
    await database.close();
    throw err;
  }
  let origins: string[] = [];
  const platforms: PlatformRegistry = new PlatformRegistry(database.db, lti, async () => {
    origins = await platforms.frameOrigins();
  });
  origins = await platforms.frameOrigins();
  const accounts = new AdminAccounts(database.db);
  const issuer = new IssuerProfileStore(database.db);
  const allowList = new OutboundAllowListStore(database.db, config.outboundAllowList);
  const outbound = new OutboundFetcher({ production: config.production, allowList: () => allowList.current(), log });
  const registrations = new DynamicRegistrations(database.db, platforms, config.publicUrl, log, outbound, config.production);
  const assessment = new AssessmentStore(database.db, createFileStorage(config.fileStorage, config.dataDir));
  const services = new LtiServiceClient(lti, { concurrency: config.serviceConcurrency, timeoutMs: 10_000 });
  const signingKeys = new SigningKeys(database.db, config.encryptionKey, config.publicUrl);
  const badges = new BadgeIssuer(database.db, {
    publicUrl: config.publicUrl,
    did: signingKeys.did,
    keys: signingKeys,
    issuer,
    statusLists: new StatusLists(database.db),
    afterSigning: config.testHoldIssuanceAfter === undefined ? undefined : holdIssuanceAfter(config.testHoldIssuanceAfter),
  });
  const holderCopies = new HolderCopies(database.db, { keys: signingKeys, loader: badges.loader });
  const vcApi = new VcApiExchanges(database.db, { publicUrl: config.publicUrl, issuerDid: signingKeys.did, holderCopies });
  const qa = new QaStore(database.db);
  const passback = new GradePassback(database.db, services, { publicUrl: config.publicUrl, log });
  const jobs = new BackgroundJobs(database.db, database.url, log, jobTable({ badges, passback }));
  const app = createApp({
    database,
    lti,
    platforms,
    accounts,
    issuer,
    registrations,
    signingKeys,
    badges,
    holderCopies,
    vcApi,
    passback,
    jobs,
    log,
    publicUrl: config.publicUrl,
    encryptionKey: config.encryptionKey,
    trustProxy: config.trustProxy,
    frameOrigins: () => origins,
    assessment,
    uploads: { maxUploadBytes: config.maxUploadBytes, production: config.production },
    outbound,
    allowList,
    services,
    qa,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, () => resolve(s));
    s.once('error', reject);
  });
  const stopHousekeeping = await startHousekeeping(database.db, log);
  if (config.backgroundJobs) await jobs.start();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let stopped = false;
  return {
    server,
    app,
    url: `http://localhost:${port}`,
    database,
    accounts,
    platforms,
    registrations,
    allowList,
    outbound,
    assessment,
    signingKeys,
    issuer,
    badges,
    holderCopies,
    vcApi,
    jobs,
    services,
    passback,
    qa,
    lti,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopHousekeeping();
      await jobs.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lti.close({ silent: true }).catch(() => undefined);
      await database.close();
    },
  };
}

async function main() {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const t0 = performance.now();
  const running = await startServer(config).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : `an unexpected ${String(err)} was thrown`;
    log.fatal({ err }, `microcred could not start: ${message}`);
    // Printed plainly as well: the log may be silent or JSON, and this is what to act on.
    console.error(`\nmicrocred could not start: ${message}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  });
  const token = await running.accounts.issueSetupToken();
  log.info(
    { url: config.publicUrl, readyMs: Math.round(performance.now() - t0), database: config.databaseUrl ? 'DATABASE_URL' : 'embedded' },
    'microcred is ready',
  );
  if (token) {
    // Printed plainly as well: this is the one line a new admin must find.
    console.log(`\n  No administrator yet. Open this one-time link to create one:\n  ${config.publicUrl}/admin/setup/${token}\n`);
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) void main();
