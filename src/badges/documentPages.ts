// The documents of an issued credential beyond the credential itself: the printable
// certificate (PDF), the link-preview image (PNG), the oEmbed answer for the share page, and
// the learner's own certificate with their name inside the launch. Public routes name no one,
// as the credential and its share page do (decision 0013); the learner's copy does.
import { type Request, type Response, Router } from 'express';
import { BadRequestError, NotFoundError } from '../errors';
import { translator } from '../i18n';
import { requireCapability } from '../web/authz';
import { launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';
import { pageLocale } from '../web/views';
import { renderCertificate } from './certificate';
import { credentialState } from './credentialState';
import type { BadgeIssuer, IssuedCredentialRow } from './issuance';
import { badgePngFor } from './badgeImage';
import { embedSnippet, PREVIEW_HEIGHT, PREVIEW_WIDTH, renderPreviewPng, type ShareMeta } from './sharePreview';

export interface DocumentPagesDeps {
  issuer: BadgeIssuer;
  publicUrl: string;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * The last rendered documents, by credential, state, language and name: a certificate costs a
 * few hundred milliseconds of CPU and the public routes need no sign-in, so a link shared widely
 * (or fetched in a loop) renders once. Bounded: the oldest entry goes first.
 */
class RenderCache {
  private readonly entries = new Map<string, Buffer>();
  constructor(private readonly max: number) {}
  async get(key: string, render: () => Promise<Buffer> | Buffer): Promise<Buffer> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const made = await render();
    this.entries.set(key, made);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return made;
  }
}
const rendered = new RenderCache(200);
const stateKey = (row: IssuedCredentialRow) => `${row.id}|${row.revokedAt?.toISOString() ?? ''}`;

const notFound = () =>
  new NotFoundError('There is no credential at this address.', 'CREDENTIAL_NOT_FOUND', 'Check the link you were given; it must be copied in full.');

/** The share page's preview tags (views/partials/share-meta.ejs, through the layout). */
export function shareMeta(row: IssuedCredentialRow, publicUrl: string): ShareMeta {
  const c = row.credential as { name?: string; issuer?: { name?: string }; credentialSubject?: { achievement?: { description?: string } } };
  const url = `${publicUrl}/credentials/${row.id}`;
  const title = c.name ?? 'Micro-credential';
  return {
    title,
    description: `${c.issuer?.name ?? ''} · ${c.credentialSubject?.achievement?.description ?? ''}`.slice(0, 300),
    url,
    image: `${url}/preview.png`,
    imageAlt: `${title} · ${c.issuer?.name ?? ''}`,
    oembed: `${publicUrl}/oembed?format=json&url=${encodeURIComponent(url)}`,
    siteName: c.issuer?.name ?? 'microcred',
  };
}

/** The embed snippet the share page offers, the same HTML oEmbed answers. */
export const shareEmbed = (meta: ShareMeta) => embedSnippet(meta);

/** The badge image of the credential's version (designed, uploaded, or the default design), as the certificate and preview show it. */
async function badgeImageOf(issuer: BadgeIssuer, row: IssuedCredentialRow): Promise<Buffer> {
  return badgePngFor(await issuer.versionForAward(row.awardId), 400);
}

async function sendCertificate(req: Request, res: Response, issuer: BadgeIssuer, row: IssuedCredentialRow, publicUrl: string, learnerName?: string) {
  const lang = pageLocale(res.locals);
  const pdf = await rendered.get(`pdf|${stateKey(row)}|${lang}|${learnerName ?? ''}`, async () =>
    renderCertificate({
      credential: row.credential,
      badgePng: await badgeImageOf(issuer, row),
      verifyUrl: `${publicUrl}/credentials/${row.id}`,
      verifyPageUrl: `${publicUrl}/verify`,
      learnerName,
      lang,
      t: translator(lang),
    }),
  );
  res.setHeader('Content-Disposition', `${req.query.download ? 'attachment' : 'inline'}; filename="certificate-${row.id}.pdf"`);
  res.setHeader('Cache-Control', 'no-store');
  res.type('application/pdf').send(pdf);
}

/** Public: /credentials/<uuid>/certificate.pdf and /preview.png, and /oembed. */
export function documentPages({ issuer, publicUrl }: DocumentPagesDeps): Router {
  const r = Router();
  const issued = async (uuid: string) => {
    const row = await issuer.byUuid(uuid);
    if (!row) throw notFound();
    return row;
  };

  r.get(`/credentials/:uuid(${UUID})/certificate.pdf`, async (req, res) => {
    await sendCertificate(req, res, issuer, await issued(req.params.uuid), publicUrl);
  });

  r.get(`/credentials/:uuid(${UUID})/preview.png`, async (req, res) => {
    const row = await issued(req.params.uuid);
    const c = row.credential as { name?: string; issuer?: { name?: string } };
    const lang = pageLocale(res.locals);
    const t = translator(lang);
    const state = credentialState(row);
    const png = await rendered.get(`png|${stateKey(row)}|${state}|${lang}`, async () =>
      renderPreviewPng({
        title: c.name ?? 'Micro-credential',
        issuer: c.issuer?.name ?? '',
        caption: `${t.has(`common.state.${state}`) ? t(`common.state.${state}`) : state} · ${row.issuedAt.toISOString().slice(0, 10)}`,
        badgePng: await badgeImageOf(issuer, row),
      }),
    );
    // Short: a revocation shows in the next preview a site fetches.
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('image/png').send(png);
  });

  /** oEmbed 1.0 (rich): the embed snippet of one of our share pages. */
  r.get('/oembed', async (req, res) => {
    const url = typeof req.query.url === 'string' ? req.query.url : '';
    const format = req.query.format ?? 'json';
    if (format !== 'json') return res.status(501).json({ error: { code: 'FORMAT_NOT_SUPPORTED', message: 'Only format=json is offered.' } });
    const m = new RegExp(`^${publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/credentials/(${UUID})$`).exec(url);
    if (!m) throw new BadRequestError('Give the address of a credential page of this site as url=.', 'OEMBED_URL');
    const meta = shareMeta(await issued(m[1]), publicUrl);
    res.json({
      version: '1.0',
      type: 'rich',
      title: meta.title,
      provider_name: meta.siteName,
      provider_url: publicUrl,
      thumbnail_url: meta.image,
      thumbnail_width: PREVIEW_WIDTH,
      thumbnail_height: PREVIEW_HEIGHT,
      html: shareEmbed(meta),
      width: 600,
      height: 315,
    });
  });
  return r;
}

/** Inside the launch: the learner's own certificate, with their name. /app/:launchId/certificates/<uuid>.pdf */
export function certificateLaunchPages({
  issuer,
  publicUrl,
  learnerName,
}: DocumentPagesDeps & { learnerName: (userId: number) => Promise<string | undefined> }): Router {
  const r = launchPageRouter({ access: requireCapability('course:learn') });
  r.get(`/:uuid(${UUID}).pdf`, async (req, res) => {
    const row = await issuer.byUuid(req.params.uuid);
    const userId = launchOf(req).userId;
    // Another learner's credential is as absent as a wrong address.
    if (!row || row.learnerId !== userId) throw notFound();
    await sendCertificate(req, res, issuer, row, publicUrl, await learnerName(userId));
  });
  return r;
}
