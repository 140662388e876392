// Badges inside the launch. Learners: "My badges" with downloads, the share link, LinkedIn,
// which evidence is public, and "Add to a wallet" (src/wallets). Course staff: the course's issued credentials, revoked with
// a reason or reinstated. /app/:launchId/badges…
import type { Router } from 'express';
import { eq, inArray } from 'drizzle-orm';
import type { AssessmentStore } from '../assessment/store';
import type { Db } from '../db/database';
import type { EdcService } from '../edc/edcService';
import { issuerProfile, ltiUsers } from '../db/schema';
import { holderCode } from '../qa/surveys';
import { requireCapability } from '../web/authz';
import { csrfToken } from '../web/csrf';
import { idParam } from '../web/params';
import { badgeUrls } from './credentialBuilder';
import type { BadgeIssuer } from './issuance';
import type { LearnerNotifications } from '../mail/notifications';
import { credentialState } from './credentialState';
import { linkedInUrl } from './publicPages';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';
import { pageTranslator } from '../web/views';
import { ConflictError, NotFoundError } from '../errors';
import { vcApiOffer } from '../wallets/addToWallet';
import type { HolderCopies } from '../wallets/holderCopies';
import type { VcApiExchanges } from '../wallets/vcApiExchanges';
import { openid4vciOffer } from '../wallets/openid4vciOffer';
import type { Oid4vciStore } from '../wallets/openid4vciStore';
import { pageLocale } from '../web/views';

export interface BadgeLaunchDeps {
  db: Db;
  badges: BadgeIssuer;
  holderCopies: HolderCopies;
  vcApi: VcApiExchanges;
  openid4vci: Oid4vciStore;
  assessment: AssessmentStore;
  publicUrl: string;
  encryptionKey: Buffer;
  edc: EdcService;
  /** The learner's mail setting, shown on My badges (src/mail/mailPages.ts changes it). */
  mail?: LearnerNotifications;
}

/** What the mail setting on My badges shows: the learner's choice, and whether the LMS gave an address. */
async function mailSettingOf(db: Db, mail: LearnerNotifications, learnerId: number, action: string, csrf: string) {
  const [user] = await db.select({ email: ltiUsers.email }).from(ltiUsers).where(eq(ltiUsers.id, learnerId));
  return { optedOut: await mail.optedOut(learnerId), hasAddress: Boolean(user?.email), action, csrf };
}

export function badgeLaunchPages({
  db,
  badges: issuer,
  holderCopies,
  vcApi,
  openid4vci,
  assessment,
  publicUrl,
  encryptionKey,
  edc,
  mail,
}: BadgeLaunchDeps): Router {
  const urls = badgeUrls(publicUrl);
  const r = launchPageRouter({ access: 'each-route', formLimit: '64kb' });

  r.get('/', requireCapability('course:learn'), async (req, res) => {
    const learnerId = launchOf(req).userId;
    const rows = await issuer.forLearner(learnerId);
    const awards = await assessment.awardsOfLearner(courseOf(req), learnerId);
    const pending = awards.filter((a) => !rows.some((row) => row.awardId === a.id));
    const [profile] = await db.select({ linkedIn: issuerProfile.linkedinOrganizationId }).from(issuerProfile);
    const badges = await Promise.all(
      rows.map(async (row) => {
        const c = row.credential as { name?: string; issuer?: { name?: string } };
        const award = await assessment.awardById(row.awardId);
        return {
          row,
          name: c.name ?? 'Micro-credential',
          state: credentialState(row),
          grade: award?.grade?.text,
          share: urls.credential(row.id),
          // Proof of holding for the follow-up survey on the public page, once the learner has left the LMS.
          holderCode: holderCode(encryptionKey, row.id),
          linkedIn: linkedInUrl(row, c.issuer?.name ?? '', urls.credential(row.id), profile?.linkedIn),
          evidence: award ? await assessment.evidenceOf(award.submissionId) : [],
        };
      }),
    );
    res.render('badges/my-badges', {
      titleKey: 'badges.mine.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      badges,
      pending: pending.length,
      flash: req.query.notice,
      mailSetting: mail && (await mailSettingOf(db, mail, learnerId, `${launchBase(req)}/mail`, csrfToken(req))),
    });
  });

  // The learner's credential as a sealed European Digital Credential (Europass wallet).
  r.get('/:uuid/edc', requireCapability('course:learn'), async (req, res) => {
    const row = await issuer.byUuid(String(req.params.uuid));
    if (!row || row.learnerId !== launchOf(req).userId) throw new NotFoundError('That credential is not yours or does not exist.');
    const sealed = await edc.sealedFor(row.id);
    res.setHeader('Content-Disposition', `attachment; filename="edc-${row.id}.jsonld"`);
    res.type('application/ld+json').send(JSON.stringify(sealed, null, 2));
  });

  r.post('/evidence/:evidenceId', requireCapability('course:learn'), async (req, res) => {
    await assessment.setEvidenceShared(launchOf(req).userId, idParam(req, 'evidenceId', 'That evidence does not exist.'), req.body.shared === 'true');
    res.redirect(303, `${launchBase(req)}/badges?notice=${req.body.shared === 'true' ? 'shared' : 'unshared'}`);
  });

  // "Add to a wallet": a fresh single-use exchange for the learner's own badge, shown at once.
  r.post('/wallet/:uuid', requireCapability('course:learn'), async (req, res) => {
    const row = await issuer.byUuid(req.params.uuid);
    if (!row || row.learnerId !== launchOf(req).userId) throw new NotFoundError('That badge is not one of yours.', 'CREDENTIAL_NOT_FOUND');
    if (row.revokedAt) throw new ConflictError('This badge has been revoked, so it cannot be added to a wallet.', 'CREDENTIAL_REVOKED');
    const opened = await vcApi.open(row.awardId);
    const t = pageTranslator({ launch: req.launch });
    // OpenID4VCI beside it: an offer with a transaction code (the page offers one without).
    const oid4vci = await openid4vciOffer(openid4vci, {
      awardId: row.awardId,
      learnerId: row.learnerId,
      locale: pageLocale({ launch: req.launch }),
      withTxCode: true,
      publicUrl,
      qrLabel: t('openid4vci.offer.qrLabel'),
    });
    res.setHeader('Cache-Control', 'no-store');
    res.render('wallets/add-to-wallet', {
      titleKey: 'wallets.title',
      launch: req.launch,
      name: (row.credential as { name?: string }).name ?? 'Micro-credential',
      backUrl: `${launchBase(req)}/badges`,
      vcApi: await vcApiOffer(opened, t('wallets.lcw.qrLabel')),
      openid4vci: { ...oid4vci, withoutCodeAction: `${launchBase(req)}/openid4vci/${row.awardId}`, csrf: csrfToken(req) },
      codeError: false,
    });
  });

  r.get('/issued', requireCapability('course:assess'), async (req, res) => {
    const rows = await issuer.forCourse(courseOf(req));
    const copies = await holderCopies.forAwards(rows.map((row) => row.awardId));
    const people = rows.length
      ? await db
          .select({ id: ltiUsers.id, name: ltiUsers.name, email: ltiUsers.email })
          .from(ltiUsers)
          .where(inArray(ltiUsers.id, [...new Set(rows.map((r) => r.learnerId))]))
      : [];
    res.render('badges/issued', {
      titleKey: 'badges.issued.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      rows: rows.map((row) => ({
        row,
        copies: copies.get(row.awardId) ?? [],
        state: credentialState(row),
        name: (row.credential as { name?: string }).name,
        learner: people.find((p) => p.id === row.learnerId),
        share: urls.credential(row.id),
      })),
      errors: {},
      flash: req.query.notice,
    });
  });

  r.post('/issued/:uuid/:action(revoke|reinstate)', requireCapability('course:assess'), async (req, res) => {
    const revoke = req.params.action === 'revoke';
    const launch = launchOf(req);
    await issuer.setRevoked(req.params.uuid, revoke, { label: `user:${launch.userId}`, userId: launch.userId }, req.body.reason, courseOf(req));
    res.redirect(303, `${launchBase(req)}/badges/issued?notice=${revoke ? 'revoked' : 'reinstated'}`);
  });

  return r;
}
