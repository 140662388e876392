// The institution's QA dashboard in the admin console (/admin/quality…): every published
// credential in every course, with the same figures and charts the course's teachers see.
// Mounted behind requireAdmin; read-only (reviews are recorded by the course's teachers).
import { type Request, Router } from 'express';
import { sendCsv } from '../web/download';
import { agreementCsv, figuresCsv, qualityCharts, qualityFormat } from './qualityReport';
import type { QaStore } from './store';
import { csrfToken } from '../web/csrf';
import { NotFoundError } from '../errors';
import { idParam } from '../web/params';
import { pageTranslator } from '../web/views';

export function adminQualityPages({ qa }: { qa: QaStore }): Router {
  const r = Router();
  const locals = (req: Request) => ({ csrf: csrfToken(req), admin: req.user, fmt: qualityFormat });

  r.get('/', async (req, res) => {
    const rows = await qa.quality();
    const totals = {
      credentials: rows.length,
      courses: new Set(rows.map((q) => q.courseId)).size,
      awarded: rows.reduce((n, q) => n + q.figures.awarded, 0),
      overdue: rows.filter((q) => q.review.overdue).length,
    };
    res.render('admin/quality', { titleKey: 'admin.quality.title', ...locals(req), rows, totals });
  });

  r.get('/figures.csv', async (_req, res) => {
    sendCsv(res, 'institution-quality-figures', figuresCsv(await qa.quality()));
  });

  r.get('/agreement.csv', async (_req, res) => {
    sendCsv(res, 'institution-assessor-agreement', agreementCsv(await qa.quality()));
  });

  r.get('/:credentialId', async (req, res) => {
    const credentialId = idParam(req, 'credentialId', 'That credential does not exist.');
    const [q] = await qa.quality({ credentialId });
    if (!q) throw new NotFoundError('That credential does not exist or is not published.', 'NOT_FOUND', 'Pick a credential from the list.');
    const [reviews, changes] = await Promise.all([qa.reviews(credentialId), qa.changeLog(credentialId)]);
    res.render('admin/quality-credential', {
      titleKey: 'admin.qualityCredential.title',
      titleParams: { title: q.title },
      ...locals(req),
      q,
      charts: qualityCharts(q, pageTranslator(res.locals)),
      reviews,
      changes,
    });
  });
  return r;
}
