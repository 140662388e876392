// The composition root: every store and service microcred runs on, built once, here. The
// server (src/server.ts, and through it every test tool) gets them from compose(); routers
// receive what they need in their deps object and build nothing themselves.
import type { Logger } from 'pino';
import type { Provider } from 'ltijs';
import { AdminAccounts } from './admin/accounts';
import { DynamicRegistrations } from './admin/dynamicRegistrationPages';
import { OutboundAllowListStore } from './admin/outboundAllowList';
import { createFileStorage } from './assessment/fileStorage';
import { AssessmentStore } from './assessment/store';
import { CryptoPool } from './badges/cryptoPool';
import { BadgeIssuer, holdIssuanceAfter } from './badges/issuance';
import { ownStatusList, statusListSource } from './badges/statusListSource';
import { StatusLists } from './badges/statusLists';
import { Verifier } from './badges/verifier';
import { VerificationCache } from './badges/verificationCache';
import type { AppConfig } from './config';
import { CourseOutcomeStore, CredentialStore } from './credentials/store';
import { EdcService } from './edc/edcService';
import { SealStore } from './edc/sealStore';
import type { Database } from './db/database';
import { GradePassback } from './grades/passback';
import { IssuerProfileStore } from './issuer/issuerProfile';
import { SigningKeys } from './issuer/signingKeys';
import { BackgroundJobs } from './jobs/backgroundJobs';
import { jobTable } from './jobs/jobTable';
import { PlatformRegistry } from './lti/platforms';
import { Mailer } from './mail/mailer';
import { LearnerNotifications } from './mail/notifications';
import { PathwayStore } from './pathways/store';
import { RosterSync } from './lti/roster';
import { LtiServiceClient } from './lti/serviceClient';
import { OutboundFetcher } from './net/outboundFetch';
import { Catalogue } from './qa/catalogue';
import { QaStore } from './qa/store';
import { SurveyStore } from './qa/surveys';
import { HolderCopies } from './wallets/holderCopies';
import { VcApiExchanges } from './wallets/vcApiExchanges';
import { Oid4vciStore } from './wallets/openid4vciStore';
import { RateLimits } from './db/rateLimits';

/** Every store and service, by the name routers and tests know it by. */
export interface Services {
  accounts: AdminAccounts;
  platforms: PlatformRegistry;
  /** The LMS origins allowed to frame the tool, kept current as LMSs are registered. */
  frameOrigins: () => readonly string[];
  registrations: DynamicRegistrations;
  allowList: OutboundAllowListStore;
  /** Every fetch of a URL from someone else's input goes through it. */
  outbound: OutboundFetcher;
  issuer: IssuerProfileStore;
  signingKeys: SigningKeys;
  badges: BadgeIssuer;
  /** Holder-bound copies of awards' credentials, for wallets. */
  holderCopies: HolderCopies;
  /** VC-API exchanges (the DCC Learner Credential Wallet). */
  vcApi: VcApiExchanges;
  /** OpenID4VCI offers, tokens and nonces (pre-authorized code flow). */
  openid4vci: Oid4vciStore;
  /** Request limits shared by every process (the OpenID4VCI token and nonce endpoints). */
  rateLimits: RateLimits;
  /** The worker threads that sign and verify (closed when the server stops). */
  crypto: CryptoPool;
  /** One verifier for every credential someone hands in: the public pages and prior learning. */
  verifier: Verifier;
  credentials: CredentialStore;
  courseOutcomes: CourseOutcomeStore;
  assessment: AssessmentStore;
  services: LtiServiceClient;
  roster: RosterSync;
  passback: GradePassback;
  jobs: BackgroundJobs;
  qa: QaStore;
  /** The public catalogue of published micro-credentials. */
  catalogue: Catalogue;
  surveys: SurveyStore;
  /** The institution's seal for European Digital Credentials, and the verifier's trust anchors. */
  seals: SealStore;
  /** European Digital Credentials: sealing for download, and the Europass checks on /verify. */
  edc: EdcService;
  /** Learners' mail about their badges (off without SMTP_URL) and their opt-out. */
  mail: LearnerNotifications;
  /** Stackable pathways, their composite awards and external achievements (src/pathways). */
  pathways: PathwayStore;
}

export async function compose(config: AppConfig, database: Database, lti: Provider, log: Logger): Promise<Services> {
  const { db } = database;
  let origins: readonly string[] = [];
  const platforms: PlatformRegistry = new PlatformRegistry(db, lti, async () => {
    origins = await platforms.frameOrigins();
  });
  origins = await platforms.frameOrigins();
  const allowList = new OutboundAllowListStore(db, config.outboundAllowList);
  const outbound = new OutboundFetcher({ production: config.production, allowList: () => allowList.current(), log });
  const issuer = new IssuerProfileStore(db);
  const signingKeys = new SigningKeys(db, config.encryptionKey, config.publicUrl);
  const crypto = new CryptoPool(config.cryptoThreads);
  const statusLists = new StatusLists(db);
  const badges = new BadgeIssuer(db, {
    publicUrl: config.publicUrl,
    did: signingKeys.did,
    keys: signingKeys,
    issuer,
    statusLists,
    afterSigning: config.testHoldIssuanceAfter === undefined ? undefined : holdIssuanceAfter(config.testHoldIssuanceAfter),
    sign: crypto.signBothForms,
  });
  const holderCopies = new HolderCopies(db, { keys: signingKeys, loader: badges.loader, sign: crypto.signBothForms });
  const services = new LtiServiceClient(lti, { concurrency: config.serviceConcurrency, timeoutMs: 10_000 });
  const passback = new GradePassback(db, services, { publicUrl: config.publicUrl, log });
  const qa = new QaStore(db);
  const seals = new SealStore(db, config.encryptionKey);
  const fetchStatusList = statusListSource({ publicUrl: config.publicUrl, issuer: badges, outbound });
  const mail = new LearnerNotifications(db, new Mailer(config.smtpUrl, config.mailFrom), {
    publicUrl: config.publicUrl,
    encryptionKey: config.encryptionKey,
    log,
  });
  if (!mail.enabled) log.info('SMTP_URL is not set: learners get no mail when a badge is issued or revoked');
  const pathways = new PathwayStore(db, { publicUrl: config.publicUrl, signer: badges, statusBits: statusLists });
  return {
    accounts: new AdminAccounts(db),
    platforms,
    frameOrigins: () => origins,
    registrations: new DynamicRegistrations(db, platforms, config.publicUrl, log, outbound, config.production),
    allowList,
    outbound,
    issuer,
    signingKeys,
    badges,
    holderCopies,
    vcApi: new VcApiExchanges(db, { publicUrl: config.publicUrl, issuerDid: signingKeys.did, holderCopies }),
    openid4vci: new Oid4vciStore(db, config.encryptionKey),
    rateLimits: new RateLimits(db),
    crypto,
    verifier: new Verifier({
      run: crypto.verify,
      cache: new VerificationCache({ ownStatusList: ownStatusList(config.publicUrl), versions: (ids) => statusLists.versions(ids) }),
      // Each thread verifies one at a time (and a second while the first waits for a lookup).
      concurrency: Math.max(2, 2 * config.cryptoThreads),
      resolveKey: signingKeys.resolver(),
      fetchStatusList,
    }),
    credentials: new CredentialStore(db),
    courseOutcomes: new CourseOutcomeStore(db),
    assessment: new AssessmentStore(db, createFileStorage(config.fileStorage, config.dataDir)),
    services,
    roster: new RosterSync(db, services),
    passback,
    jobs: new BackgroundJobs(database, log, jobTable({ badges, passback, mail, pathways, signingThreads: config.cryptoThreads })),
    qa,
    catalogue: new Catalogue(db, qa, issuer, config.publicUrl),
    surveys: new SurveyStore(db),
    seals,
    edc: new EdcService({ db, publicUrl: config.publicUrl, seals, issuer, did: signingKeys.did, fetchStatusList }),
    mail,
    pathways,
  };
}
