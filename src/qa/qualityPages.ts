// The QA dashboard inside a launch (/app/:launchId/quality…): for the course's teachers only.
// The course's credentials with their figures, one credential's dashboard with charts, CSV
// exports, and the annual review (recorded here, published in the public catalogue).
import type { Request, Response, Router } from 'express';
import { csrfToken } from '../web/csrf';
import { sendCsv } from '../web/download';
import { NotFoundError } from '../errors';
import { fieldText } from '../forms';
import { idParam } from '../web/params';
import { pageTranslator } from '../web/views';
import { agreementCsv, figuresCsv, qualityCharts, qualityFormat } from './qualityReport';
import { type CredentialQuality, type QaStore, REVIEW_INTERVAL_MONTHS } from './store';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

/** The review form's limits; the texts are published, so they are kept to a readable size. */
export const REVIEW_LIMITS = { summary: 4000, changesMade: 4000 };

export interface ReviewInput {
  summary: string;
  changesMade: string;
}

/** Checks a review; each message says how to fix it. */
export function reviewProblems(input: ReviewInput): Record<string, string> {
  const errors: Record<string, string> = {};
  if (input.summary.trim().length < 10) errors.summary = 'Write what the review found, in at least a sentence (10 characters or more).';
  else if (input.summary.length > REVIEW_LIMITS.summary)
    errors.summary = `Keep the summary to ${REVIEW_LIMITS.summary} characters (it has ${input.summary.length}).`;
  if (input.changesMade.trim().length < 2) errors.changesMade = 'Say what was changed as a result, or write “No changes” if none were needed.';
  else if (input.changesMade.length > REVIEW_LIMITS.changesMade)
    errors.changesMade = `Keep the changes to ${REVIEW_LIMITS.changesMade} characters (it has ${input.changesMade.length}).`;
  return errors;
}

export function qualityPages({ qa }: { qa: QaStore }): Router {
  const r = launchPageRouter({ access: 'course:design', formLimit: '64kb' });

  const one = async (req: Request): Promise<CredentialQuality> => {
    const credentialId = idParam(req, 'credentialId', 'That credential does not exist in this course.');
    const [q] = await qa.quality({ courseId: courseOf(req), credentialId });
    if (!q)
      throw new NotFoundError(
        'That credential is not published in this course, so it has no quality figures yet.',
        'NOT_FOUND',
        'Publish the credential first; its dashboard fills as learners submit and are assessed.',
      );
    return q;
  };

  const renderCredential = async (
    req: Request,
    res: Response,
    q: CredentialQuality,
    form: { values: ReviewInput; errors: Record<string, string> },
    status = 200,
  ) => {
    const [reviews, changes] = await Promise.all([qa.reviews(q.credentialId), qa.changeLog(q.credentialId)]);
    res.status(status).render('qa/credential-quality', {
      titleKey: 'qa.credentialQuality.title',
      titleParams: { title: q.title },
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      q,
      charts: qualityCharts(q, pageTranslator(res.locals)),
      fmt: qualityFormat,
      reviews,
      changes,
      reviewIntervalMonths: REVIEW_INTERVAL_MONTHS,
      values: form.values,
      errors: form.errors,
      saved: req.query.notice === 'reviewed',
      csvBase: `${launchBase(req)}/quality/${q.credentialId}`,
    });
  };

  r.get('/', async (req, res) => {
    const rows = await qa.quality({ courseId: courseOf(req) });
    res.render('qa/course-quality', {
      titleKey: 'qa.courseQuality.title',
      launch: req.launch,
      base: launchBase(req),
      rows,
      fmt: qualityFormat,
      csvBase: `${launchBase(req)}/quality`,
    });
  });

  r.get('/figures.csv', async (req, res) => {
    sendCsv(res, 'quality-figures', figuresCsv(await qa.quality({ courseId: courseOf(req) })));
  });

  r.get('/agreement.csv', async (req, res) => {
    sendCsv(res, 'assessor-agreement', agreementCsv(await qa.quality({ courseId: courseOf(req) })));
  });

  r.get('/:credentialId', async (req, res) => {
    await renderCredential(req, res, await one(req), { values: { summary: '', changesMade: '' }, errors: {} });
  });

  r.get('/:credentialId/figures.csv', async (req, res) => {
    const q = await one(req);
    sendCsv(res, `quality-figures-${q.credentialId}`, figuresCsv([q]));
  });

  r.get('/:credentialId/agreement.csv', async (req, res) => {
    const q = await one(req);
    sendCsv(res, `assessor-agreement-${q.credentialId}`, agreementCsv([q]));
  });

  r.post('/:credentialId/reviews', async (req, res) => {
    const q = await one(req);
    const values = { summary: fieldText(req.body.summary), changesMade: fieldText(req.body.changesMade) };
    const errors = reviewProblems(values);
    if (Object.keys(errors).length) return await renderCredential(req, res, q, { values, errors }, 422);
    await qa.recordReview(courseOf(req), q.credentialId, launchOf(req).userId, { summary: values.summary.trim(), changesMade: values.changesMade.trim() });
    res.redirect(303, `${launchBase(req)}/quality/${q.credentialId}?notice=reviewed#reviews`);
  });

  return r;
}
