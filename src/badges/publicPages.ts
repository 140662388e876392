// Public, no-login pages and files of issued credentials: the share page, the credential
// in both forms, baked PNG and SVG images, evidence the learner made public, Achievements
// and their images, the signed status lists, microcred's JSON-LD context, and the
// verification page with its JSON API. Nothing here changes state, so there is no session.
import { type Request, type Response, Router } from 'express';
import multer from 'multer';
import { and, eq } from 'drizzle-orm';
import type { AssessmentStore } from '../assessment/store';
import type { Db } from '../db/database';
import { credentials, credentialVersions, evidenceItems } from '../db/schema';
import { NotFoundError } from '../errors';
import type { Translate } from '../i18n';
import { idParam } from '../web/params';
import { safeUrl } from '../web/safeUrl';
import { pageTranslator } from '../web/views';
import { badgePngFor, badgeSvgFor } from './badgeImage';
import { bakePng, bakeSvg, unbake } from './baking';
import { credentialState } from './credentialState';
import { MICROCRED_CONTEXTS } from './contexts';
import { badgeUrls } from './credentialBuilder';
import { shareEmbed, shareMeta } from './documentPages';
import type { BadgeIssuer, IssuedCredentialRow } from './issuance';
import type { Verifier } from './verifier';
import type { VerificationReport } from './verify';
import type { EdcService } from '../edc/edcService';
import { looksLikeEdc } from '../edc/seal';
import { formBody, jsonBody, textBody } from '../web/input';

export interface BadgePagesDeps {
  db: Db;
  issuer: BadgeIssuer;
  assessment: AssessmentStore;
  publicUrl: string;
  /** Verifies with our own keys and status lists locally, other issuers' lists through the fetch guard. */
  verifier: Verifier;
  /** The institution's QA policy address (IssuerProfileStore.qaPolicyUrl), for credentials that name none. */
  institutionQaPolicyUrl?: () => Promise<string | undefined>;
  /** European Digital Credentials dropped on /verify go to their own verifier (src/edc). */
  edc?: Pick<EdcService, 'verify'>;
}

/** The JSON of a European Digital Credential (sealed or not), or undefined for anything else. */
function edcOf(input: unknown): object | undefined {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return looksLikeEdc(value) ? (value as object) : undefined;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * A LinkedIn "add to profile" link for a certification (their documented URL parameters); with
 * the institution's LinkedIn organisation id (issuer profile), LinkedIn links its page and logo.
 */
export function linkedInUrl(row: IssuedCredentialRow, issuerName: string, shareUrl: string, organizationId?: string | null): string {
  const c = row.credential as { name?: string };
  const u = new URL('https://www.linkedin.com/profile/add');
  u.search = new URLSearchParams({
    startTask: 'CERTIFICATION_NAME',
    name: c.name ?? 'Micro-credential',
    ...(organizationId ? { organizationId } : { organizationName: issuerName }),
    issueYear: String(row.issuedAt.getUTCFullYear()),
    issueMonth: String(row.issuedAt.getUTCMonth() + 1),
    ...(row.validUntil ? { expirationYear: String(row.validUntil.getUTCFullYear()), expirationMonth: String(row.validUntil.getUTCMonth() + 1) } : {}),
    certUrl: shareUrl,
    certId: row.id,
  }).toString();
  return u.toString();
}

/** The quality-assurance policy an issued credential names (its ext:QualityAssurance alignment). */
function qaPolicyOf(credential: Record<string, any>): string | undefined {
  const alignments = (credential.credentialSubject?.achievement?.alignment ?? []) as { targetType?: string; targetUrl?: string }[];
  return alignments.find((a) => a.targetType === 'ext:QualityAssurance' && a.targetUrl)?.targetUrl;
}

export function badgePages(deps: BadgePagesDeps): Router {
  const { db, issuer, publicUrl } = deps;
  const urls = badgeUrls(publicUrl);
  const r = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 2 * 1024 * 1024, files: 1, fields: 5, fieldSize: 1024 * 1024 } }).single('file');

  const verify = (input: string | Buffer | object): Promise<VerificationReport> => deps.verifier.verify(input);

  const issued = async (req: Request): Promise<IssuedCredentialRow> => {
    const row = await issuer.byUuid(req.params.uuid);
    if (!row)
      throw new NotFoundError('There is no credential at this address.', 'CREDENTIAL_NOT_FOUND', 'Check the link you were given; it must be copied in full.');
    return row;
  };
  const download = (res: Response, name: string) => res.setHeader('Content-Disposition', `attachment; filename="${name}"`);

  // Every version stays published: credentials name the one they were signed with.
  r.get(Object.keys(MICROCRED_CONTEXTS), (req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('application/ld+json').send(JSON.stringify(MICROCRED_CONTEXTS[req.path], null, 2));
  });

  r.get(`/credentials/:uuid(${UUID})`, async (req, res) => {
    const row = await issued(req);
    const report = await verify(row.credential);
    const award = await deps.assessment.awardById(row.awardId);
    const shared = (await deps.assessment.evidenceOf(award!.submissionId)).filter((e) => e.shared);
    const c = row.credential as Record<string, any>;
    const meta = shareMeta(row, publicUrl);
    res.render('badges/share', {
      titleKey: 'badges.share.title',
      // Link previews (layout head) and the certificate / embed section (views/partials/share-documents.ejs).
      meta,
      embed: shareEmbed(meta),
      titleParams: { name: String(c.name ?? '') },
      c,
      row,
      state: credentialState(row),
      report,
      shared,
      // The policy the credential was issued under; for one issued before any was set, the institution's current one.
      qaPolicyUrl: qaPolicyOf(c) ?? (await deps.institutionQaPolicyUrl?.()),
      urls: { self: urls.credential(row.id), evidence: (id: number) => urls.evidence(row.id, id), catalogue: `${publicUrl}/catalogue` },
    });
  });

  r.get(`/credentials/:uuid(${UUID}).json`, async (req, res) => {
    const row = await issued(req);
    if (req.query.download) download(res, `credential-${row.id}.json`);
    res.type('application/vc+ld+json').send(JSON.stringify(row.credential, null, 2));
  });

  r.get(`/credentials/:uuid(${UUID}).jwt`, async (req, res) => {
    const row = await issued(req);
    if (req.query.download) download(res, `credential-${row.id}.jwt`);
    // OB 3.0 §5.2: a VC-JWT file is text/plain.
    res.type('text/plain; charset=utf-8').send(row.jwt);
  });

  // Baked images carry the signed JSON-LD credential (OB 3.0 §5.3).
  r.get(`/credentials/:uuid(${UUID})/badge.png`, async (req, res) => {
    const row = await issued(req);
    if (req.query.download) download(res, `badge-${row.id}.png`);
    // The image of the version the badge was issued from.
    const image = await badgePngFor(await issuer.versionForAward(row.awardId));
    res.type('image/png').send(bakePng(image, JSON.stringify(row.credential)));
  });

  r.get(`/credentials/:uuid(${UUID})/badge.svg`, async (req, res) => {
    const row = await issued(req);
    if (req.query.download) download(res, `badge-${row.id}.svg`);
    // img-src data: for an uploaded PNG, which the SVG carries inline.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    res.type('image/svg+xml').send(bakeSvg(badgeSvgFor(await issuer.versionForAward(row.awardId)), JSON.stringify(row.credential)));
  });

  /** Evidence the learner made public: links redirect, reflections show as text, files download. */
  r.get(`/credentials/:uuid(${UUID})/evidence/:evidenceId(\\d+)`, async (req, res) => {
    const row = await issued(req);
    const award = await deps.assessment.awardById(row.awardId);
    const [item] = await db
      .select()
      .from(evidenceItems)
      .where(
        and(
          eq(evidenceItems.id, idParam(req, 'evidenceId', 'This evidence is not public.')),
          eq(evidenceItems.submissionId, award!.submissionId),
          eq(evidenceItems.shared, true),
        ),
      );
    if (!item) throw new NotFoundError('This evidence is not public.', 'EVIDENCE_NOT_PUBLIC', 'The learner decides which evidence is shown.');
    res.setHeader('Cache-Control', 'no-store');
    // Only to a web page; any other stored address is shown as text below, never followed.
    const link = item.kind === 'link' ? safeUrl(item.url) : undefined;
    if (link) return res.redirect(302, link);
    if (item.kind === 'file' && item.fileId) {
      const { meta, content } = await deps.assessment.fileFor(row.courseId, { userId: row.learnerId, assessor: false }, item.fileId);
      res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
      res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(meta.filename)}`);
      return res.type(meta.mimeType).send(content);
    }
    res.type('text/plain; charset=utf-8').send(`${item.title}\n\n${item.body ?? item.url ?? ''}`);
  });

  /** The Achievement of a published (or earlier published) credential version, which issued credentials name. */
  const publishedVersion = async (req: Request) => {
    const missing = 'There is no published achievement at this address.';
    const [credentialId, versionNo] = [idParam(req, 'credentialId', missing), idParam(req, 'versionNo', missing)];
    const [row] = await db
      .select({ version: credentialVersions })
      .from(credentialVersions)
      .innerJoin(credentials, eq(credentials.id, credentialVersions.credentialId))
      .where(and(eq(credentialVersions.credentialId, credentialId), eq(credentialVersions.versionNo, versionNo)));
    if (!row || row.version.status === 'draft') throw new NotFoundError('There is no published achievement at this address.');
    return row.version;
  };

  r.get('/achievements/:credentialId(\\d+)/versions/:versionNo(\\d+)', async (req, res) => {
    const version = await publishedVersion(req);
    // JSON-LD, and the very Achievement the credentials issued from this version sign.
    const achievement = await issuer.publishedAchievement(version);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('application/ld+json').send(JSON.stringify(achievement, null, 2));
  });

  r.get('/achievements/:credentialId(\\d+)/versions/:versionNo(\\d+)/image.png', async (req, res) => {
    const version = await publishedVersion(req);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/png').send(await badgePngFor(version));
  });

  r.get('/status/:listId(\\d+)', async (req, res) => {
    const signed = await issuer.statusListCredential(idParam(req, 'listId', 'There is no status list at this address.'));
    if (!signed) throw new NotFoundError('There is no status list at this address.');
    const etag = `W/"status-${req.params.listId}-v${signed.version}"`;
    res.setHeader('ETag', etag);
    // Short: verifiers should see a revocation within a minute.
    res.setHeader('Cache-Control', 'public, max-age=60, must-revalidate');
    if (req.headers['if-none-match'] === etag) return res.status(304).end();
    res.type('application/vc+ld+json').send(JSON.stringify(signed.credential));
  });

  /** Reads what was pasted or uploaded: text (JSON or JWT), a JSON file, or a baked PNG/SVG. */
  const inputOf = (req: Request, t: Translate): { input?: string; error?: string } => {
    const file = req.file;
    if (file && file.size > 0) {
      let baked: ReturnType<typeof unbake>;
      try {
        baked = unbake(file.buffer);
      } catch (e) {
        return { error: t('badges.verify.errorImage', { reason: (e as Error).message }) };
      }
      if (baked) return { input: baked.credential };
      const text = file.buffer.toString('utf8').trim();
      if (text.startsWith('{') || /^[\w-]+\.[\w-]+\.[\w-]*$/.test(text)) return { input: text };
      return { error: t('badges.verify.errorFile') };
    }
    const pasted = typeof req.body?.credential === 'string' ? req.body.credential.trim() : '';
    if (pasted) return { input: pasted };
    return { error: t('badges.verify.errorNothing') };
  };

  r.get('/verify', (_req, res) =>
    res.render('badges/verify', { titleKey: 'badges.verify.title', pasted: '', report: undefined, inside: [], error: undefined }),
  );

  r.post('/verify', upload, formBody('2mb'), async (req, res) => {
    const { input, error } = inputOf(req, pageTranslator(res.locals));
    const pasted = typeof req.body?.credential === 'string' ? req.body.credential : '';
    if (!input) return res.status(422).render('badges/verify', { titleKey: 'badges.verify.title', pasted, report: undefined, inside: [], error });
    const edc = deps.edc && edcOf(input);
    if (deps.edc && edc) {
      const edcReport = await deps.edc.verify(edc);
      return res.render('edc/verify', { titleKey: edcReport.verified ? 'edc.verify.verified' : 'edc.verify.notVerified', report: edcReport });
    }
    // A CLR 2.0 record: the bundle's report, then one per credential inside it.
    const { report, clr } = await deps.verifier.verifyAny(input);
    res.render('badges/verify', {
      titleKey: report.verified ? 'badges.verify.verified' : 'badges.verify.notVerified',
      pasted,
      report,
      inside: clr?.credentials ?? [],
      error: undefined,
    });
  });

  /** JSON API: the body is the credential (JSON object or JWT text), or { "credential": … }. */
  r.post('/api/verify', jsonBody('1mb'), textBody(['text/plain', 'application/jwt', 'application/vc+jwt'], '1mb'), async (req, res) => {
    const body = req.body as unknown;
    const input =
      typeof body === 'string' ? body.trim() : body && typeof body === 'object' && 'credential' in body ? (body as { credential: unknown }).credential : body;
    if (!input || (typeof input === 'object' && Object.keys(input as object).length === 0)) {
      return res.status(400).json({ error: { code: 'NO_CREDENTIAL', message: 'Send the credential as the JSON body, as JWT text, or as {"credential": …}.' } });
    }
    const edc = deps.edc && edcOf(input);
    if (deps.edc && edc) return res.json({ form: 'edc', ...(await deps.edc.verify(edc)) });
    const { report, clr } = await deps.verifier.verifyAny(input as string | object);
    const json = (r: typeof report) => ({ verified: r.verified, revoked: r.revoked, form: r.form, summary: r.summary, checks: r.checks });
    res.json({ ...json(report), ...(clr ? { credentials: clr.credentials.map(json) } : {}) });
  });

  return r;
}
