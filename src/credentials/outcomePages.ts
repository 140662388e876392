// Pages where course staff manage the course's outcomes, inside a launch:
// /app/:launchId/outcomes… Every route needs the course:design capability.
import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database';
import { requireCapability } from '../web/authz';
import { csrfToken, requireCsrf } from '../web/csrf';
import { AppError, NotFoundError } from '../web/errors';
import { CourseOutcomeStore } from './store';
import { courseOutcomeInputSchema, formErrors } from './validation';

const lockSchema = z.coerce.number().int().positive();

export function outcomeRouter(db: Db): Router {
  const store = new CourseOutcomeStore(db);
  const r = Router({ mergeParams: true });
  r.use(requireCapability('course:design'));
  r.use(express.urlencoded({ extended: false, limit: '256kb' }));
  r.use(requireCsrf);

  const courseId = (req: Request) => req.launch!.courseId!;
  const base = (req: Request) => `/app/${req.launch!.id}`;
  const id = (req: Request) => {
    const n = Number(req.params.outcomeId);
    if (!Number.isInteger(n) || n <= 0) throw new NotFoundError('That course outcome does not exist in this course.');
    return n;
  };

  const listPage = async (req: Request, res: Response, locals: { values?: Record<string, unknown>; errors?: Record<string, string>; notice?: string } = {}, status = 200) => {
    const outcomes = await store.list(courseId(req), { includeArchived: true });
    res.status(status).render('credentials/outcomes', {
      title: 'Course outcomes',
      launch: req.launch,
      base: base(req),
      csrf: csrfToken(req),
      active: outcomes.filter((o) => !o.archivedAt),
      archived: outcomes.filter((o) => o.archivedAt),
      values: locals.values ?? {},
      errors: locals.errors ?? {},
      notice: locals.notice ?? req.query.notice,
    });
  };

  r.get('/', (req, res, next) => listPage(req, res).catch(next));

  r.post('/', async (req, res, next) => {
    try {
      const parsed = courseOutcomeInputSchema.safeParse(req.body);
      if (!parsed.success) return listPage(req, res, { values: req.body, errors: formErrors(parsed.error) }, 422);
      try {
        await store.create(courseId(req), parsed.data);
      } catch (e) {
        if (e instanceof AppError && e.status === 409) return listPage(req, res, { values: req.body, errors: { code: e.message } }, 409);
        throw e;
      }
      res.redirect(303, `${base(req)}/outcomes?notice=added`);
    } catch (e) {
      next(e);
    }
  });

  const editPage = (req: Request, res: Response, locals: { outcomeId: number; values: Record<string, unknown>; errors: Record<string, string> }, status = 200) =>
    res.status(status).render('credentials/outcome-edit', { title: 'Edit course outcome', launch: req.launch, base: base(req), csrf: csrfToken(req), ...locals });

  r.get('/:outcomeId/edit', async (req, res, next) => {
    try {
      const o = await store.get(courseId(req), id(req));
      editPage(req, res, { outcomeId: o.id, values: { code: o.code, title: o.title, description: o.description, lockVersion: o.lockVersion }, errors: {} });
    } catch (e) {
      next(e);
    }
  });

  r.post('/:outcomeId', async (req, res, next) => {
    try {
      const outcomeId = id(req);
      const parsed = courseOutcomeInputSchema.safeParse(req.body);
      const lock = lockSchema.safeParse(req.body.lockVersion);
      if (!parsed.success || !lock.success) {
        return editPage(req, res, { outcomeId, values: req.body, errors: parsed.success ? { _form: 'The form is missing its version; reload the page.' } : formErrors(parsed.error) }, 422);
      }
      try {
        await store.update(courseId(req), outcomeId, lock.data, parsed.data);
      } catch (e) {
        if (e instanceof AppError && e.status === 409) {
          return editPage(req, res, { outcomeId, values: req.body, errors: e.code === 'OUTCOME_CODE_TAKEN' ? { code: e.message } : { _form: `${e.message} ${e.hint ?? ''}` } }, 409);
        }
        throw e;
      }
      res.redirect(303, `${base(req)}/outcomes?notice=saved`);
    } catch (e) {
      next(e);
    }
  });

  r.post('/:outcomeId/archive', async (req, res, next) => {
    try {
      const lock = lockSchema.parse(req.body.lockVersion);
      const archive = req.body.archived === 'true';
      await store.setArchived(courseId(req), id(req), lock, archive);
      res.redirect(303, `${base(req)}/outcomes?notice=${archive ? 'archived' : 'restored'}`);
    } catch (e) {
      next(e);
    }
  });

  r.post('/:outcomeId/move', async (req, res, next) => {
    try {
      const outcomeId = id(req);
      const ids = (await store.list(courseId(req))).map((o) => o.id);
      const at = ids.indexOf(outcomeId);
      if (at < 0) throw new NotFoundError('That course outcome does not exist in this course.');
      const to = req.body.direction === 'up' ? at - 1 : at + 1;
      if (to >= 0 && to < ids.length) {
        [ids[at], ids[to]] = [ids[to], ids[at]];
        await store.reorder(courseId(req), ids);
      }
      res.redirect(303, `${base(req)}/outcomes?notice=moved#outcome-${outcomeId}`);
    } catch (e) {
      next(e);
    }
  });

  return r;
}
