// A published pathway's public page, /pathways/<id>: the id of the composite credential's
// Achievement, so a verifier following it finds the rules (HTML for people, JSON for programs),
// and the composite's image. Drafts are not public.
import { Router } from 'express';
import { NotFoundError } from '../errors';
import { idParam } from '../web/params';
import type { PathwayStore } from './store';

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);

export function publicPathwayPages({ pathways }: { pathways: PathwayStore }): Router {
  const r = Router();
  const published = async (id: number) => {
    const feed = await pathways.publicFeed();
    const p = feed.find((x) => x.id === id);
    if (!p) throw new NotFoundError('That pathway does not exist or is not published.');
    return p;
  };

  r.get('/pathways/:id(\\d+)', async (req, res) => {
    const p = await published(idParam(req, 'id', 'That pathway does not exist.'));
    res.setHeader('Cache-Control', 'public, max-age=60');
    if (req.accepts(['html', 'json']) === 'json') return res.type('application/json').send(JSON.stringify(p, null, 2));
    res.render('pathways/public', { title: String(p.title), p });
  });

  r.get('/pathways/:id(\\d+)/image.svg', async (req, res) => {
    const p = await published(idParam(req, 'id', 'That pathway does not exist.'));
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res
      .type('image/svg+xml')
      .send(
        `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256"><rect width="256" height="256" rx="32" fill="#1d4e89"/><text x="128" y="140" font-family="sans-serif" font-size="22" fill="#fff" text-anchor="middle">${escapeXml(String(p.title).slice(0, 18))}</text></svg>`,
      );
  });
  return r;
}
