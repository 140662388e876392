/**
 * Pages of the European Digital Credential capability.
 *
 * - edcAdminPages, mounted at /admin/seal behind requireAdmin: the institution's seal (upload PEM
 *   or PKCS#12, or generate a labelled self-signed test seal), what its certificate says, and the
 *   verifier's trust anchors.
 * - edcDownload: the learner's sealed EDC of one of their own credentials (used by My badges).
 */
import type { Request, Response, Router } from 'express';
import { Router as expressRouter } from 'express';
import multer from 'multer';
import { BadRequestError, NotFoundError } from '../errors';
import { csrfToken } from '../web/csrf';
import { formBody } from '../web/input';
import { describeCertificate, generateTestSeal, sealFromPem, sealFromPkcs12, validityProblem } from './certificates';
import type { SealStore } from './sealStore';

export interface EdcAdminDeps {
  seals: SealStore;
}

const field = (req: Request, name: string) => (typeof req.body?.[name] === 'string' ? (req.body[name] as string) : '');
const adminId = (req: Request) => (req.user as { id?: number } | undefined)?.id ?? null;

export function edcAdminPages({ seals }: EdcAdminDeps): Router {
  const r = expressRouter();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 256 * 1024, files: 1, fields: 6, fieldSize: 64 * 1024 } }).single('file');

  const render = async (req: Request, res: Response, status = 200, error?: string) => {
    const active = await seals.active();
    const anchors = await seals.trustAnchors();
    const now = new Date();
    res.status(status).render('edc/admin-seal', {
      titleKey: 'edc.seal.title',
      csrf: csrfToken(req),
      seal: active ? { ...active.facts, source: active.source, problem: validityProblem(active.chain[0], now) } : undefined,
      anchors: anchors.map((a) => ({ id: a.id, label: a.label, facts: describeCertificate(a.certificate) })),
      notice: typeof req.query.notice === 'string' ? req.query.notice : undefined,
      error,
    });
  };

  r.get('/', (req, res) => render(req, res));

  r.post('/test', formBody('16kb'), async (req, res) => {
    const organizationName = field(req, 'organizationName').trim();
    const organizationIdentifier = field(req, 'organizationIdentifier').trim();
    const country = field(req, 'country').trim().toUpperCase();
    if (!organizationName || !organizationIdentifier || !/^[A-Z]{2}$/.test(country)) {
      return render(req, res, 422, 'Give the organisation’s name, its identifier (e.g. VATNL-123456789B01) and its two-letter country code.');
    }
    await seals.configure(generateTestSeal({ organizationName, organizationIdentifier, country }), 'test', adminId(req));
    res.redirect(303, '/admin/seal?notice=test');
  });

  r.post('/pem', formBody('128kb'), async (req, res) => {
    try {
      const material = sealFromPem(field(req, 'certificates'), field(req, 'key'), field(req, 'passphrase') || undefined);
      await seals.configure(material, 'uploaded-pem', adminId(req));
    } catch (error) {
      if (error instanceof BadRequestError) return render(req, res, 422, error.message);
      throw error;
    }
    res.redirect(303, '/admin/seal?notice=uploaded');
  });

  r.post('/pkcs12', upload, async (req, res) => {
    if (!req.file) return render(req, res, 422, 'Choose the PKCS#12 file (.p12 or .pfx).');
    try {
      await seals.configure(sealFromPkcs12(req.file.buffer, field(req, 'password')), 'uploaded-pkcs12', adminId(req));
    } catch (error) {
      if (error instanceof BadRequestError) return render(req, res, 422, error.message);
      throw error;
    }
    res.redirect(303, '/admin/seal?notice=uploaded');
  });

  r.post('/anchors', formBody('64kb'), async (req, res) => {
    try {
      await seals.addTrustAnchor(field(req, 'label'), field(req, 'certificate'));
    } catch (error) {
      if (error instanceof BadRequestError) return render(req, res, 422, error.message);
      throw error;
    }
    res.redirect(303, '/admin/seal?notice=anchor');
  });

  r.post('/anchors/:id/remove', formBody('4kb'), async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0) throw new NotFoundError('That trust anchor does not exist.');
    await seals.removeTrustAnchor(id);
    res.redirect(303, '/admin/seal?notice=removed');
  });

  return r;
}
