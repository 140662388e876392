// The app's own tables. ltijs keeps its tables (platforms' keys, id tokens, nonces)
// in the same database through ltijs-sequelize; nothing here reads those directly.
import { sql } from 'drizzle-orm';
import { boolean, customType, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
// Types only: the shapes the jsonb columns hold (no runtime import, so no cycle).
import type { IdentityRecord } from '../assessment/identity';
import type { PriorBadgeReport } from '../assessment/priorBadge';
import type { CriterionResult, Grade } from '../assessment/scoring';
import type { CredentialDefinition } from '../credentials/model';
import type { BadgeImageSpec } from '../badges/badgeImage';
import type { PathwayRules } from '../pathways/pathwayRules';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const adminUsers = pgTable('admin_users', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
  lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
});

/** One-time links that let the first admin be created. Only a hash is stored. */
export const adminSetupTokens = pgTable('admin_setup_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

export const platforms = pgTable(
  'platforms',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    authLoginUrl: text('auth_login_url').notNull(),
    accessTokenUrl: text('access_token_url').notNull(),
    jwksUrl: text('jwks_url').notNull(),
    /** moodle | canvas | brightspace | other: some LMSs need their own handling. */
    lmsFamily: text('lms_family').notNull().default('other'),
    active: boolean('active').notNull().default(true),
    registeredVia: text('registered_via').notNull().default('manual'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('platforms_issuer_client_uq').on(t.issuer, t.clientId)],
);

export const platformDeployments = pgTable(
  'platform_deployments',
  {
    platformId: integer('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.deploymentId] })],
);

/**
 * Each OIDC login we start. ltijs does not tie the id_token's nonce to the login
 * that asked for it; this row does, and it is consumed once.
 */
export const ltiLogins = pgTable(
  'lti_logins',
  {
    state: text('state').primaryKey(),
    nonce: text('nonce').notNull(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id'),
    /** The login parameters, kept so a blocked-cookie launch can be restarted in a new window. */
    loginParams: jsonb('login_params').$type<Record<string, string>>().notNull(),
    createdAt: createdAt(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [index('lti_logins_created_idx').on(t.createdAt)],
);

export const ltiUsers = pgTable(
  'lti_users',
  {
    id: serial('id').primaryKey(),
    platformId: integer('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    sub: text('sub').notNull(),
    name: text('name'),
    givenName: text('given_name'),
    familyName: text('family_name'),
    email: text('email'),
    createdAt: createdAt(),
    lastLaunchAt: timestamp('last_launch_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('lti_users_platform_sub_uq').on(t.platformId, t.sub)],
);

export const courses = pgTable(
  'courses',
  {
    id: serial('id').primaryKey(),
    platformId: integer('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').notNull(),
    contextId: text('context_id').notNull(),
    title: text('title'),
    label: text('label'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('courses_context_uq').on(t.platformId, t.deploymentId, t.contextId)],
);

export const resourceLinks = pgTable(
  'resource_links',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    linkId: text('link_id').notNull(),
    title: text('title'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('resource_links_course_link_uq').on(t.courseId, t.linkId)],
);

/** Browser sessions (admin console and LTI). The cookie holds only the id. */
export const webSessions = pgTable(
  'web_sessions',
  {
    sid: text('sid').primaryKey(),
    data: jsonb('data').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('web_sessions_expires_idx').on(t.expiresAt)],
);

/**
 * One row per successful launch: the tool's own short-lived session, bound to
 * platform, deployment, course and user. Pages address it as /app/:launchId and it
 * is honoured only together with the browser session that created it.
 */
export const launchSessions = pgTable(
  'launch_sessions',
  {
    id: text('id').primaryKey(),
    webSessionId: text('web_session_id').notNull(),
    platformId: integer('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').notNull(),
    courseId: integer('course_id').references(() => courses.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => ltiUsers.id, { onDelete: 'cascade' }),
    resourceLinkId: integer('resource_link_id').references(() => resourceLinks.id, { onDelete: 'set null' }),
    roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
    /** instructor | learner | admin: what the landing page and authz use. */
    appRole: text('app_role').notNull(),
    messageType: text('message_type').notNull(),
    /** Claims later features need: custom params, AGS/NRPS endpoints, deep-link settings, locale. */
    claims: jsonb('claims').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** The first GET of /app/<launch>: only that one may send a placed link's launch on to its credential. */
    landedAt: timestamp('landed_at', { withTimezone: true }),
  },
  (t) => [index('launch_sessions_web_session_idx').on(t.webSessionId)],
);

/**
 * One-time links an admin creates for LTI Dynamic Registration. Without one, the
 * registration URL refuses: otherwise anyone could register a "platform".
 */
export const registrationLinks = pgTable('registration_links', {
  tokenHash: text('token_hash').primaryKey(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  platformId: integer('platform_id').references(() => platforms.id, { onDelete: 'set null' }),
});

/**
 * Internal hosts an administrator allows microcred to fetch from (status lists of an
 * institution that issues from its own network; an LMS on the campus network during
 * dynamic registration). Each entry is a host name, *.domain, an IP address or a CIDR
 * range, stored in its canonical form (src/net/addresses.ts parseAllowEntry).
 */
export const outboundAllowList = pgTable('outbound_allow_list', {
  id: serial('id').primaryKey(),
  entry: text('entry').notNull().unique(),
  /** Why it is allowed, for the next administrator. */
  note: text('note').notNull().default(''),
  createdBy: integer('created_by').references(() => adminUsers.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
});

/**
 * A launch whose state could not be checked by cookie, waiting for the page to read
 * the state from LTI platform storage (postMessage lti.get_data). Used once, briefly.
 */
export const pendingLaunches = pgTable('pending_launches', {
  ticketHash: text('ticket_hash').primaryKey(),
  state: text('state').notNull(),
  idToken: text('id_token').notNull(),
  platformId: integer('platform_id')
    .notNull()
    .references(() => platforms.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
});

/**
 * Web origins an LMS shows its pages on, learned from signed launches (return_url,
 * tool_platform.url). Hosted Canvas, for one, frames tools from school.instructure.com,
 * which is neither its issuer nor its login host; frame-ancestors must allow it.
 */
export const platformOrigins = pgTable(
  'platform_origins',
  {
    platformId: integer('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    origin: text('origin').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.origin] })],
);

// ---------------------------------------------------------------------------
// Credential design (course outcomes → micro-credential versions)
// ---------------------------------------------------------------------------

/** A course's own outcomes, as the teacher writes them. Archived, never deleted: mappings point here. */
export const courseOutcomes = pgTable(
  'course_outcomes',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    position: integer('position').notNull(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    /** Optimistic concurrency: every write must name the version it read. */
    lockVersion: integer('lock_version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('course_outcomes_course_code_uq').on(t.courseId, t.code)],
);

/** A micro-credential offered in a course; its content lives in versions. */
export const credentials = pgTable(
  'credentials',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    createdBy: integer('created_by').references(() => ltiUsers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('credentials_course_idx').on(t.courseId)],
);

/**
 * One version of a credential's definition (Annex I elements, learning outcomes,
 * mapping, rubric, evidence rules) as JSON. A published version is frozen: awards
 * point at it for ever. Edits go to the one draft a credential may have at a time.
 */
export const credentialVersions = pgTable(
  'credential_versions',
  {
    id: serial('id').primaryKey(),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    versionNo: integer('version_no').notNull(),
    /** draft | published | superseded */
    status: text('status').notNull().default('draft'),
    definition: jsonb('definition').$type<CredentialDefinition>().notNull(),
    /** The badge image of this version (design, sanitised SVG or resized PNG); null: the default design. */
    badgeImage: jsonb('badge_image').$type<BadgeImageSpec>(),
    lockVersion: integer('lock_version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    publishedBy: integer('published_by').references(() => ltiUsers.id, { onDelete: 'set null' }),
  },
  (t) => [
    uniqueIndex('credential_versions_no_uq').on(t.credentialId, t.versionNo),
    // At most one draft and one current published version per credential.
    uniqueIndex('credential_versions_one_draft_uq').on(t.credentialId).where(sql`status = 'draft'`),
    uniqueIndex('credential_versions_one_published_uq').on(t.credentialId).where(sql`status = 'published'`),
  ],
);

/** The visible change log of a credential: what changed, by whom, when. Append-only. */
export const credentialChanges = pgTable(
  'credential_changes',
  {
    id: serial('id').primaryKey(),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    versionId: integer('version_id').references(() => credentialVersions.id, { onDelete: 'set null' }),
    actorId: integer('actor_id').references(() => ltiUsers.id, { onDelete: 'set null' }),
    /** created | edited | published | new-version */
    action: text('action').notNull(),
    summary: text('summary').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('credential_changes_credential_idx').on(t.credentialId, t.at)],
);

/**
 * Who belongs to a course, as far as the tool knows: from launches now, from the
 * LMS roster (NRPS) later. Launch sessions expire; this record does not.
 */
export const courseMembers = pgTable(
  'course_members',
  {
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => ltiUsers.id, { onDelete: 'cascade' }),
    appRole: text('app_role').notNull(),
    roles: text('roles').array().notNull().default(sql`'{}'::text[]`),
    /** active | inactive (left the course; their awards stay) */
    status: text('status').notNull().default('active'),
    lastLaunchAt: timestamp('last_launch_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.userId] })],
);

/**
 * The institution's issuer profile: the tool is installed once per institution, so
 * there is one row (id 1). Credentials take their issuer country and awarding body
 * from it by default. The badges work adds keys, identifiers and the logo.
 */
export const issuerProfile = pgTable('issuer_profile', {
  id: integer('id').primaryKey().default(1),
  name: text('name').notNull(),
  url: text('url'),
  email: text('email'),
  countryCode: text('country_code').notNull(),
  region: text('region'),
  /** Awarding-body identifiers, e.g. [{ identifierType: 'ext:BRIN', identifier: '42NB' }]: OB 3.0 otherIdentifier. */
  identifiers: jsonb('identifiers').$type<{ identifierType: string; identifier: string }[]>().notNull().default([]),
  /** The quality-assurance body (e.g. a national accreditation organisation) and the type of QA. */
  qaBodyName: text('qa_body_name'),
  qaBodyUrl: text('qa_body_url'),
  qaType: text('qa_type'),
  /** The institution's QA policy page, embedded as a QA alignment in issued credentials. */
  qaPolicyUrl: text('qa_policy_url'),
  /** The QA policy itself, when the tool publishes it (at /quality-policy) instead of linking elsewhere. */
  qaPolicyTitle: text('qa_policy_title'),
  qaPolicyText: text('qa_policy_text'),
  qaPolicyUpdatedAt: timestamp('qa_policy_updated_at', { withTimezone: true }),
  description: text('description'),
  logo: bytea('logo'),
  /** image/png | image/svg+xml | image/jpeg (detected from the content). */
  logoType: text('logo_type'),
  /** The institution's LinkedIn organisation id: "add to profile" links name it, so LinkedIn shows the logo. */
  linkedinOrganizationId: text('linkedin_organization_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

// ---------------------------------------------------------------------------
// Open Badges 3.0: signing keys, issued credentials, status lists
// ---------------------------------------------------------------------------

/**
 * The issuer's Ed25519 Multikey signing keys. One is active and signs; retired keys stay
 * (and stay in the DID document) so earlier credentials keep verifying. The secret key is
 * encrypted at rest with ENCRYPTION_KEY (AES-256-GCM).
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    id: serial('id').primaryKey(),
    /** The fragment of the verification method id: "key-1" → <did>#key-1. */
    keyId: text('key_id').notNull().unique(),
    publicKeyMultibase: text('public_key_multibase').notNull(),
    secretKeyEncrypted: text('secret_key_encrypted').notNull(),
    /** active | retired */
    status: text('status').notNull().default('active'),
    createdAt: createdAt(),
    createdBy: integer('created_by').references(() => adminUsers.id, { onDelete: 'set null' }),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('signing_keys_one_active_uq').on(t.status).where(sql`status = 'active'`)],
);

/**
 * A Bitstring Status List (W3C). Its bits change in the same transaction as the
 * revocation that sets them; `version` tells the hosted, signed list when to re-sign.
 */
export const statusLists = pgTable('status_lists', {
  id: serial('id').primaryKey(),
  /** revocation */
  purpose: text('purpose').notNull(),
  /** Number of entries (bits); at least 131,072 for herd privacy. */
  size: integer('size').notNull(),
  bits: bytea('bits').notNull(),
  /** The next free index; entries are handed out in a random-looking order by the issuer. */
  allocated: integer('allocated').notNull().default(0),
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The Open Badges 3.0 credential issued for an award: exactly one per award (unique), in
 * both forms (Data Integrity JSON-LD and VC-JWT), with its status list entry.
 */
export const issuedCredentials = pgTable(
  'issued_credentials',
  {
    /** The credential's UUID: its id is urn:uuid:<id>, and its public page /credentials/<id>. */
    id: text('id').primaryKey(),
    awardId: integer('award_id')
      .notNull()
      .unique()
      .references(() => awards.id),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id),
    statusListId: integer('status_list_id')
      .notNull()
      .references(() => statusLists.id),
    statusIndex: integer('status_index').notNull(),
    signingKeyId: integer('signing_key_id')
      .notNull()
      .references(() => signingKeys.id),
    credential: jsonb('credential').$type<Record<string, unknown>>().notNull(),
    jwt: text('jwt').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revocationReason: text('revocation_reason'),
    /** Who revoked: "user:<id>" (course staff) or "admin:<id>". */
    revokedBy: text('revoked_by'),
    /** The last revocation or reinstatement: a state the gradebook comment must catch up with. */
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('issued_credentials_status_entry_uq').on(t.statusListId, t.statusIndex), index('issued_credentials_learner_idx').on(t.learnerId)],
);

/**
 * Copies of an award's credential bound to a holder (credentialSubject.id = the holder's DID),
 * one per (credential, holder DID), delivered to a wallet. A copy shares its award's status
 * list entry, so revoking or reinstating the award revokes or reinstates every copy at once:
 * there is no revocation state of its own to drift out of step.
 */
export const holderCopies = pgTable(
  'holder_copies',
  {
    /** The copy's UUID: its credential id is urn:uuid:<id>. */
    id: text('id').primaryKey(),
    awardId: integer('award_id')
      .notNull()
      .references(() => awards.id),
    /** The credential it copies (and whose status entry it carries). */
    issuedCredentialId: text('issued_credential_id')
      .notNull()
      .references(() => issuedCredentials.id),
    holderDid: text('holder_did').notNull(),
    /** How it was delivered first: vc-api | openid4vci | null (issued directly). */
    deliveredVia: text('delivered_via'),
    signingKeyId: integer('signing_key_id')
      .notNull()
      .references(() => signingKeys.id),
    credential: jsonb('credential').$type<Record<string, unknown>>().notNull(),
    jwt: text('jwt').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('holder_copies_credential_holder_uq').on(t.issuedCredentialId, t.holderDid), index('holder_copies_award_idx').on(t.awardId)],
);

/**
 * VC-API exchanges (the DCC Learner Credential Wallet's protocol): short-lived and single use.
 * The wallet proves control of a DID by signing the challenge; the first valid POST claims the
 * row (UPDATE … WHERE used_at IS NULL), so two wallets posting at once cannot both get a copy.
 */
export const vcApiExchanges = pgTable(
  'vc_api_exchanges',
  {
    /** Random, unguessable: it is half of the wallet's credentials (with the challenge). */
    id: text('id').primaryKey(),
    awardId: integer('award_id')
      .notNull()
      .references(() => awards.id),
    challenge: text('challenge').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    holderCopyId: text('holder_copy_id').references(() => holderCopies.id),
  },
  (t) => [index('vc_api_exchanges_award_idx').on(t.awardId)],
);

// ---------------------------------------------------------------------------
// Assessment: evidence, submissions, rubric scoring, identity, awards
// ---------------------------------------------------------------------------

/** Per-course assessment rules, set by the course's teachers. One row per course, created on first change. */
export const courseAssessmentSettings = pgTable('course_assessment_settings', {
  courseId: integer('course_id')
    .primaryKey()
    .references(() => courses.id, { onDelete: 'cascade' }),
  /** The assessor may not be the learner (on by default). */
  assessorNotLearner: boolean('assessor_not_learner').notNull().default(true),
  /** The assessor may not be one of the course's own teachers (LTI role Instructor): independent assessment. */
  assessorNotTeacher: boolean('assessor_not_teacher').notNull().default(false),
  /** How many attempts a learner has in all (the first submission and resubmissions). */
  maxAttempts: integer('max_attempts').notNull().default(3),
  /** How many months after an award the learner is asked the follow-up survey (did they apply it?). */
  followUpMonths: integer('follow_up_months').notNull().default(6),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  updatedBy: integer('updated_by').references(() => ltiUsers.id, { onDelete: 'set null' }),
});

/**
 * A learner's attempt at a credential version: a draft while they collect evidence,
 * then submitted (frozen; a database trigger refuses changes to its evidence), then
 * decided by the primary assessment. A returned attempt is followed by a new one.
 */
export const submissions = pgTable(
  'submissions',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    credentialVersionId: integer('credential_version_id')
      .notNull()
      .references(() => credentialVersions.id),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id, { onDelete: 'cascade' }),
    attemptNo: integer('attempt_no').notNull(),
    /** draft | submitted | returned | accepted | rejected */
    status: text('status').notNull().default('draft'),
    /** Who scores it: the assessor of the previous attempt for a resubmission, otherwise whoever takes it. */
    assignedAssessorId: integer('assigned_assessor_id').references(() => ltiUsers.id, { onDelete: 'set null' }),
    /** The authenticated launch the learner submitted from: the default identity evidence. */
    launchIdentity: jsonb('launch_identity').$type<IdentityRecord>(),
    lockVersion: integer('lock_version').notNull().default(1),
    createdAt: createdAt(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('submissions_attempt_uq').on(t.credentialId, t.learnerId, t.attemptNo),
    // One attempt in progress (draft or waiting for a decision) per learner and credential.
    uniqueIndex('submissions_one_open_uq').on(t.credentialId, t.learnerId).where(sql`status IN ('draft', 'submitted')`),
    index('submissions_course_status_idx').on(t.courseId, t.status),
  ],
);

/**
 * Uploaded evidence files. The id is a random UUID (never guessable); the bytes live
 * behind the FileStorage interface (in file_blobs, or on disk). Files are immutable.
 */
export const storedFiles = pgTable('stored_files', {
  id: text('id').primaryKey(),
  courseId: integer('course_id')
    .notNull()
    .references(() => courses.id, { onDelete: 'cascade' }),
  ownerId: integer('owner_id')
    .notNull()
    .references(() => ltiUsers.id, { onDelete: 'cascade' }),
  filename: text('filename').notNull(),
  /** Detected from the content, never from the extension or the browser's claim. */
  mimeType: text('mime_type').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  sha256: text('sha256').notNull(),
  /** database | disk */
  storage: text('storage').notNull(),
  createdAt: createdAt(),
});

/** File bytes, for the database storage backend. */
export const fileBlobs = pgTable('file_blobs', {
  fileId: text('file_id')
    .primaryKey()
    .references(() => storedFiles.id, { onDelete: 'cascade' }),
  content: bytea('content').notNull(),
});

/** One piece of evidence in a submission, linked to a rubric criterion (or the credential as a whole). */
export const evidenceItems = pgTable(
  'evidence_items',
  {
    id: serial('id').primaryKey(),
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    /** A rubric criterion id of the credential version; null: evidence for the credential as a whole. */
    criterionId: text('criterion_id'),
    /** file | link | reflection | open-badge */
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    url: text('url'),
    body: text('body'),
    fileId: text('file_id').references(() => storedFiles.id),
    /** For open-badge evidence: the verification report made when it was added. */
    verification: jsonb('verification').$type<PriorBadgeReport>(),
    /** The learner lets this item appear on their public badge (badges issue). */
    shared: boolean('shared').notNull().default(false),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('evidence_items_submission_idx').on(t.submissionId)],
);

/**
 * A scoring of a submission by one assessor. The primary assessment carries the decision;
 * a second (blind) marking only scores, for calibration. Levels and comments per criterion.
 */
export const assessments = pgTable(
  'assessments',
  {
    id: serial('id').primaryKey(),
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id, { onDelete: 'cascade' }),
    assessorId: integer('assessor_id')
      .notNull()
      .references(() => ltiUsers.id),
    /** primary | second */
    role: text('role').notNull(),
    /** requested | completed */
    status: text('status').notNull().default('requested'),
    /** accept | return | reject (primary only) */
    decision: text('decision'),
    levels: jsonb('levels').$type<Record<string, string>>().notNull().default({}),
    criterionComments: jsonb('criterion_comments').$type<Record<string, string>>().notNull().default({}),
    overallComment: text('overall_comment').notNull().default(''),
    /** How the learner's identity was established (IdentityVerificationRecord and its details). */
    identity: jsonb('identity').$type<IdentityRecord>(),
    requestedBy: integer('requested_by').references(() => ltiUsers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('assessments_submission_assessor_uq').on(t.submissionId, t.assessorId),
    uniqueIndex('assessments_one_primary_uq').on(t.submissionId).where(sql`role = 'primary'`),
  ],
);

/**
 * A credential awarded to a learner: exactly once per credential and learner (unique),
 * with everything the decision rested on, frozen.
 */
export const awards = pgTable(
  'awards',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id),
    credentialVersionId: integer('credential_version_id')
      .notNull()
      .references(() => credentialVersions.id),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id),
    submissionId: integer('submission_id')
      .notNull()
      .references(() => submissions.id),
    assessmentId: integer('assessment_id')
      .notNull()
      .references(() => assessments.id),
    assessorId: integer('assessor_id')
      .notNull()
      .references(() => ltiUsers.id),
    rubricResults: jsonb('rubric_results').$type<(CriterionResult & { comment: string })[]>().notNull(),
    evidenceRefs: jsonb('evidence_refs').$type<Record<string, unknown>[]>().notNull(),
    identity: jsonb('identity').$type<IdentityRecord>().notNull(),
    /** The grade, when the credential shows one (Annex I element 14). */
    grade: jsonb('grade').$type<Grade>(),
    awardedAt: timestamp('awarded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('awards_credential_learner_uq').on(t.credentialId, t.learnerId)],
);

/**
 * Events for background work (badge issuance, grade passback), written in the same
 * transaction as the change they announce. Consumers mark what they have handled.
 */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: serial('id').primaryKey(),
    /** An event type of src/jobs/events.ts, which writes every row. */
    type: text('type').notNull(),
    /** The row the event is about, e.g. the award id: with type, unique, so an event is written once. */
    subjectId: integer('subject_id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('outbox_events_type_subject_uq').on(t.type, t.subjectId), index('outbox_events_pending_idx').on(t.id).where(sql`dispatched_at IS NULL`)],
);

/**
 * Append-only record of every assessment-related decision: who, what, when, before and
 * after. A trigger refuses UPDATE, DELETE and TRUNCATE. No foreign keys, so deleting a
 * course cannot silently remove its history.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id'),
    actorId: integer('actor_id'),
    /** e.g. submission.submitted, assessment.decided, award.created */
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: integer('entity_id').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_log_course_idx').on(t.courseId, t.at), index('audit_log_entity_idx').on(t.entityType, t.entityId)],
);

// ---------------------------------------------------------------------------
// LTI Advantage services: endpoints per course, gradebook columns, grade passback
// ---------------------------------------------------------------------------

/** The service endpoints an LMS announced for a course, kept from its latest launch. */
export const courseServices = pgTable('course_services', {
  courseId: integer('course_id')
    .primaryKey()
    .references(() => courses.id, { onDelete: 'cascade' }),
  /** AGS line-items collection and the scopes the LMS granted. */
  lineItemsUrl: text('line_items_url'),
  agsScopes: text('ags_scopes').array().notNull().default(sql`'{}'::text[]`),
  /** NRPS context memberships URL. */
  membershipsUrl: text('memberships_url'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  lastRosterSyncAt: timestamp('last_roster_sync_at', { withTimezone: true }),
});

/**
 * The gradebook column of a credential placed in a course: the one the LMS created through
 * deep linking, or one found or created through the line-items service. One per credential
 * and course, never duplicated.
 */
export const lineItems = pgTable(
  'line_items',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    /** The line item's URL at the LMS. */
    url: text('url').notNull(),
    /** deep-linking | launch | found | created */
    source: text('source').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('line_items_course_credential_uq').on(t.courseId, t.credentialId)],
);

/**
 * Where each learner's grade for a credential stands at the LMS. The score itself is
 * computed from the current state when it is sent, so a retried job always sends the
 * newest grade. Two clocks: `wantedTimestamp`/`sentTimestamp` order the learner's *states*
 * (internal: which is newest, whether the LMS has it); `lastSendTimestamp` is the timestamp
 * put on the last score sent to the column, which only increases (LMSs refuse older ones).
 */
export const gradePassback = pgTable(
  'grade_passback',
  {
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id, { onDelete: 'cascade' }),
    /** pending | sent | failed */
    status: text('status').notNull().default('pending'),
    /** The timestamp of the state that should be at the LMS (moves forward only). */
    wantedTimestamp: timestamp('wanted_timestamp', { withTimezone: true, precision: 3 }).notNull(),
    /** The timestamp of the state the LMS last accepted. */
    sentTimestamp: timestamp('sent_timestamp', { withTimezone: true, precision: 3 }),
    /** The score timestamp last sent to this column for the learner, in whole seconds; each send is later. */
    lastSendTimestamp: timestamp('last_send_timestamp', { withTimezone: true, precision: 0 }),
    /** "Resend" was asked: send the current state again although the LMS has it. */
    resendRequested: boolean('resend_requested').notNull().default(false),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.credentialId, t.learnerId] }), index('grade_passback_status_idx').on(t.courseId, t.status)],
);

// ---------------------------------------------------------------------------
// Quality assurance: learner surveys, annual reviews
// ---------------------------------------------------------------------------

/**
 * Which surveys a learner has answered or declined, per award: so each is asked once.
 * It holds no answers; those are in survey_responses, which holds no identity.
 */
export const surveyParticipation = pgTable(
  'survey_participation',
  {
    awardId: integer('award_id')
      .notNull()
      .references(() => awards.id, { onDelete: 'cascade' }),
    /** award (right after the award) | follow-up (months later: was it applied?) */
    kind: text('kind').notNull(),
    /** answered | declined */
    outcome: text('outcome').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.awardId, t.kind] })],
);

/**
 * Survey answers, kept apart from identity for reporting: no learner, no award, and only
 * the month of answering, so a response cannot be joined back to the person who gave it.
 */
export const surveyResponses = pgTable(
  'survey_responses',
  {
    id: serial('id').primaryKey(),
    courseId: integer('course_id')
      .notNull()
      .references(() => courses.id, { onDelete: 'cascade' }),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    /** award | follow-up */
    kind: text('kind').notNull(),
    /** 1–5 (award survey). */
    satisfaction: integer('satisfaction'),
    /** 1–5: relevance to the learner's work or studies (award survey). */
    relevance: integer('relevance'),
    /** 0–10: would recommend (award survey). */
    recommend: integer('recommend'),
    /** 1–5: how much of the learning has been applied (follow-up, Kirkpatrick level 3). */
    applied: integer('applied'),
    comment: text('comment').notNull().default(''),
    /** YYYY-MM: the month the answer was given, no finer. */
    month: text('month').notNull(),
  },
  (t) => [index('survey_responses_credential_idx').on(t.credentialId, t.kind)],
);

/** The annual review of a credential: what was found and what was changed. Published; append-only. */
export const credentialReviews = pgTable(
  'credential_reviews',
  {
    id: serial('id').primaryKey(),
    credentialId: integer('credential_id')
      .notNull()
      .references(() => credentials.id, { onDelete: 'cascade' }),
    /** The version that was current when reviewed. */
    versionNo: integer('version_no').notNull(),
    reviewerId: integer('reviewer_id').references(() => ltiUsers.id, { onDelete: 'set null' }),
    summary: text('summary').notNull(),
    changesMade: text('changes_made').notNull(),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('credential_reviews_credential_idx').on(t.credentialId, t.reviewedAt)],
);

// ---------------------------------------------------------------------------
// OpenID4VCI 1.0 (pre-authorized code flow): offers, used nonces, rate limits
// ---------------------------------------------------------------------------

/**
 * A credential offer for one award, made by its learner on "My badges". Short-lived and single
 * use: the token endpoint claims it with one UPDATE … WHERE redeemed_at IS NULL, so of two
 * wallets redeeming the same code at once exactly one gets an access token. Codes and tokens
 * are stored only as SHA-256 hashes (docs/decisions/0015-openid4vci.md).
 */
export const oid4vciOffers = pgTable(
  'oid4vci_offers',
  {
    /** Random; names the offer in its credential_offer_uri (not a secret on its own). */
    id: text('id').primaryKey(),
    awardId: integer('award_id')
      .notNull()
      .references(() => awards.id, { onDelete: 'cascade' }),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id, { onDelete: 'cascade' }),
    /** SHA-256 (hex) of the pre-authorized code. */
    codeHash: text('code_hash').notNull(),
    /** SHA-256 (hex) of the transaction code shown on the learner's screen; null when none was asked for. */
    txCodeHash: text('tx_code_hash'),
    /** Wrong transaction codes so far: at 5 the offer is spent (a 6-digit code is not guessed that way). */
    txCodeFailures: integer('tx_code_failures').notNull().default(0),
    /** The learner's language when the offer was made. */
    locale: text('locale').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** When the token endpoint exchanged the code; set once. */
    redeemedAt: timestamp('redeemed_at', { withTimezone: true }),
    /** SHA-256 (hex) of the access token issued for it. */
    accessTokenHash: text('access_token_hash'),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('oid4vci_offers_code_uq').on(t.codeHash),
    uniqueIndex('oid4vci_offers_token_uq').on(t.accessTokenHash),
    index('oid4vci_offers_award_idx').on(t.awardId),
  ],
);

/**
 * What an offer's access token delivered: one credential per credential configuration
 * (ldp_vc, jwt_vc_json) per offer. The primary key refuses a second delivery of the same
 * configuration, inside the transaction that stores the holder's copy.
 */
export const oid4vciDeliveries = pgTable(
  'oid4vci_deliveries',
  {
    offerId: text('offer_id')
      .notNull()
      .references(() => oid4vciOffers.id, { onDelete: 'cascade' }),
    configurationId: text('configuration_id').notNull(),
    holderDid: text('holder_did').notNull(),
    /** The holder copy delivered. */
    holderCopyId: text('holder_copy_id').references(() => holderCopies.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.offerId, t.configurationId] })],
);

/**
 * Nonces (c_nonce) spent by a credential request. Nonces are stateless (HMAC-signed, with their
 * expiry) until used, so the unauthenticated nonce endpoint writes nothing; a used one is
 * recorded here until it expires, and the primary key refuses it a second time.
 */
export const oid4vciUsedNonces = pgTable('oid4vci_used_nonces', {
  /** SHA-256 (hex) of the nonce. */
  nonceHash: text('nonce_hash').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Fixed-window request counters shared by every process (one row per key and window), for
 * endpoints anyone can call: the OpenID4VCI token and nonce endpoints. One
 * INSERT … ON CONFLICT DO UPDATE … RETURNING counts a request atomically.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    key: text('key').notNull(),
    /** Start of the window (epoch seconds, a multiple of the window length). */
    windowStart: integer('window_start').notNull(),
    hits: integer('hits').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/**
 * The institution's electronic seal for European Digital Credentials (src/edc): the certificate
 * chain (PEM, signer first) and its private key, encrypted like the signing keys. One is active;
 * configuring another retires it. A test seal is self-signed and labelled as such.
 */
export const edcSeals = pgTable(
  'edc_seals',
  {
    id: serial('id').primaryKey(),
    chainPem: text('chain_pem').notNull(),
    privateKeyEncrypted: text('private_key_encrypted').notNull(),
    /** uploaded-pem | uploaded-pkcs12 | test */
    source: text('source').notNull(),
    /** active | retired */
    status: text('status').notNull().default('active'),
    createdAt: createdAt(),
    createdBy: integer('created_by').references(() => adminUsers.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('edc_seals_one_active_uq').on(t.status).where(sql`status = 'active'`)],
);

/** Certificates the EDC verifier trusts as the end of a seal's chain (the admin's choice). */
export const edcTrustAnchors = pgTable('edc_trust_anchors', {
  id: serial('id').primaryKey(),
  label: text('label').notNull(),
  certificatePem: text('certificate_pem').notNull(),
  fingerprintSha256: text('fingerprint_sha256').notNull().unique(),
  createdAt: createdAt(),
});

// ---------------------------------------------------------------------------
// Learner mail: the opt-out and what was sent
// ---------------------------------------------------------------------------

/** A learner's mail setting: a row exists once they chose; opted out until they opt in again. */
export const learnerMailSettings = pgTable('learner_mail_settings', {
  learnerId: integer('learner_id')
    .primaryKey()
    .references(() => ltiUsers.id, { onDelete: 'cascade' }),
  optedOut: boolean('opted_out').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Each mail sent to a learner about a credential, once per event (`eventKey`: "issued", or
 * "revoked-<at>"): a job retried after its mail went out does not send it twice.
 */
export const learnerMails = pgTable(
  'learner_mails',
  {
    id: serial('id').primaryKey(),
    issuedCredentialId: text('issued_credential_id')
      .notNull()
      .references(() => issuedCredentials.id),
    eventKey: text('event_key').notNull(),
    toAddress: text('to_address').notNull(),
    locale: text('locale').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('learner_mails_event_uq').on(t.issuedCredentialId, t.eventKey)],
);

// Pathways: stackable micro-credentials, their composite awards, external components
// ---------------------------------------------------------------------------

/**
 * A pathway (issue 18): its kind, its rules (src/pathways/pathwayRules.ts) and the Annex I
 * elements of the composite credential it awards. Published pathways count; a draft is
 * edited by administrators and coordinators.
 */
export const pathways = pgTable('pathways', {
  id: serial('id').primaryKey(),
  title: text('title').notNull(),
  description: text('description').notNull().default(''),
  /** open | elective | rigid */
  kind: text('kind').notNull(),
  /** draft | published | archived */
  status: text('status').notNull().default('draft'),
  rules: jsonb('rules').$type<PathwayRules>().notNull(),
  /** The composite credential's Annex I elements (rubric unused: it is awarded on the rules). */
  definition: jsonb('definition').$type<CredentialDefinition>().notNull(),
  lockVersion: integer('lock_version').notNull().default(1),
  /** "admin:<id>" or "user:<id>" (a coordinator). */
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  publishedAt: timestamp('published_at', { withTimezone: true }),
});

/** LMS users an administrator made programme coordinators: they design pathways from their launch. */
export const pathwayCoordinators = pgTable('pathway_coordinators', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => ltiUsers.id, { onDelete: 'cascade' }),
  grantedBy: integer('granted_by').references(() => adminUsers.id, { onDelete: 'set null' }),
  grantedAt: createdAt(),
});

/** Learners who chose to follow a pathway (it also shows when their credentials count towards it). */
export const pathwayFollowers = pgTable(
  'pathway_followers',
  {
    pathwayId: integer('pathway_id')
      .notNull()
      .references(() => pathways.id, { onDelete: 'cascade' }),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id, { onDelete: 'cascade' }),
    followedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.pathwayId, t.learnerId] })],
);

/**
 * An Open Badges 3.0 credential from another issuer a learner brought for a pathway: verified
 * by the prior-learning verifier, then approved or rejected by a coordinator.
 */
export const externalAchievements = pgTable(
  'external_achievements',
  {
    id: serial('id').primaryKey(),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id, { onDelete: 'cascade' }),
    /** The credential's own id (or a hash of it when it has none). */
    credentialKey: text('credential_key').notNull(),
    issuerId: text('issuer_id').notNull(),
    achievementId: text('achievement_id').notNull(),
    achievementName: text('achievement_name').notNull(),
    credential: jsonb('credential').$type<Record<string, unknown>>().notNull(),
    report: jsonb('report').$type<PriorBadgeReport>().notNull(),
    credits: text('credits'),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }),
    /** pending | approved | rejected */
    status: text('status').notNull().default('pending'),
    decidedBy: text('decided_by'),
    decisionReason: text('decision_reason'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('external_achievements_learner_credential_uq').on(t.learnerId, t.credentialKey)],
);

/**
 * The composite credential a pathway awards: one per pathway and learner (unique), signed in
 * both forms, with the component credentials it was built from. A revoked component flags it
 * for a coordinator, who keeps or revokes it with a reason; nothing changes it silently.
 */
export const pathwayAwards = pgTable(
  'pathway_awards',
  {
    id: serial('id').primaryKey(),
    pathwayId: integer('pathway_id')
      .notNull()
      .references(() => pathways.id),
    learnerId: integer('learner_id')
      .notNull()
      .references(() => ltiUsers.id),
    /** The composite's UUID: its id is urn:uuid:<uuid>. */
    uuid: text('uuid').notNull().unique(),
    credential: jsonb('credential').$type<Record<string, unknown>>().notNull(),
    jwt: text('jwt').notNull(),
    statusListId: integer('status_list_id')
      .notNull()
      .references(() => statusLists.id),
    statusIndex: integer('status_index').notNull(),
    signingKeyId: integer('signing_key_id')
      .notNull()
      .references(() => signingKeys.id),
    /** The component credentials' ids (urn:uuid:… or external ids), as counted at completion. */
    components: jsonb('components').$type<string[]>().notNull(),
    credits: text('credits').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    /** Set when a component is revoked: the coordinator's decision is pending. */
    flaggedAt: timestamp('flagged_at', { withTimezone: true }),
    flagReason: text('flag_reason'),
    /** Revoked component ids a coordinator has already decided on: they do not flag it again. */
    reviewedRevocations: jsonb('reviewed_revocations').$type<string[]>().notNull().default([]),
    /** kept | revoked, with who and why. */
    decision: text('decision'),
    decisionReason: text('decision_reason'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('pathway_awards_pathway_learner_uq').on(t.pathwayId, t.learnerId),
    uniqueIndex('pathway_awards_status_entry_uq').on(t.statusListId, t.statusIndex),
    index('pathway_awards_learner_idx').on(t.learnerId),
  ],
);
