// Pages where course staff manage the course's outcomes, inside a launch:
// /app/:launchId/outcomes… Every route needs the course:design capability.
import type { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import { formVersionMissing } from '../forms';
import { parseId } from '../ids';
import { idField, idParam } from '../web/params';
import { csrfToken } from '../web/csrf';
import { AppError, BadRequestError, NotFoundError } from '../errors';
import { parseCourseOutcomesCsv } from './csv';
import type { CourseOutcomeStore } from './store';
import { courseOutcomeInputSchema, formErrors } from './validation';
import { refuseUnstorableBody } from '../web/input';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

const MAX_CSV_BYTES = 1024 * 1024;

/** A CSV file upload (multipart) or a pasted text field; the file wins when both are sent. */
const csvUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 10 } }).single('file');
function readCsvUpload(req: Request, res: Response, next: NextFunction) {
  csvUpload(req, res, (err: unknown) => {
    if ((err as { code?: string })?.code === 'LIMIT_FILE_SIZE') {
      return next(new AppError('That file is larger than 1 MB.', 413, 'CSV_TOO_LARGE', 'Split the list into smaller files, or paste the rows instead.'));
    }
    if (err) return next(new BadRequestError('The upload could not be read.', 'UPLOAD_FAILED', 'Choose the file again, or paste the rows instead.'));
    next();
  });
}

export function outcomePages({ courseOutcomes: store }: { courseOutcomes: CourseOutcomeStore }): Router {
  const r = launchPageRouter({ access: 'course:design', formLimit: '2mb' });

  const id = (req: Request) => idParam(req, 'outcomeId', 'That course outcome does not exist in this course.');

  const listPage = async (
    req: Request,
    res: Response,
    locals: { values?: Record<string, unknown>; errors?: Record<string, string>; notice?: string } = {},
    status = 200,
  ) => {
    const outcomes = await store.list(courseOf(req), { includeArchived: true });
    res.status(status).render('credentials/outcomes', {
      titleKey: 'credentials.outcomes.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      active: outcomes.filter((o) => !o.archivedAt),
      archived: outcomes.filter((o) => o.archivedAt),
      values: locals.values ?? {},
      errors: locals.errors ?? {},
      notice: locals.notice ?? req.query.notice,
      copied: parseId(req.query.copied) ?? 0,
      skipped: parseId(req.query.skipped) ?? 0,
    });
  };

  r.get('/', (req, res) => listPage(req, res));

  // --- CSV import: preview first, nothing saved until the person confirms -------------
  const importPage = async (req: Request, res: Response, csv: string, status = 200) => {
    const existing = (await store.list(courseOf(req), { includeArchived: true })).map((o) => o.code);
    const preview = csv.trim() ? parseCourseOutcomesCsv(csv, { existingCodes: existing }) : undefined;
    res.status(status).render('credentials/outcomes-import', {
      titleKey: 'credentials.outcomesImport.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      csv,
      preview,
    });
    return preview;
  };

  r.get('/import', (req, res) => importPage(req, res, ''));

  r.post('/import/preview', readCsvUpload, refuseUnstorableBody, async (req, res) => {
    const csv = req.file ? req.file.buffer.toString('utf8') : String(req.body.csv ?? '');
    if (!csv.trim()) return importPage(req, res, '', 422);
    await importPage(req, res, csv);
  });

  r.post('/import', async (req, res) => {
    // Parse again: what is saved is what the server checks now, not what a page showed.
    const csv = String(req.body.csv ?? '');
    const existing = (await store.list(courseOf(req), { includeArchived: true })).map((o) => o.code);
    const preview = parseCourseOutcomesCsv(csv, { existingCodes: existing });
    if (preview.errors.length > 0 || preview.valid.length === 0) return importPage(req, res, csv, 422);
    try {
      await store.createMany(
        courseOf(req),
        preview.valid.map(({ code, title, description }) => ({ code, title, description })),
      );
    } catch (e) {
      if (e instanceof AppError && e.status === 409) return importPage(req, res, csv, 409);
      throw e;
    }
    res.redirect(303, `${launchBase(req)}/outcomes?notice=imported`);
  });

  // --- Copy from another course the same person teaches -------------------------------
  r.get('/copy', async (req, res) => {
    const sources = await store.coursesTaughtBy(launchOf(req).userId, courseOf(req));
    res.render('credentials/outcomes-copy', {
      titleKey: 'credentials.outcomesCopy.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      sources,
    });
  });

  r.post('/copy', async (req, res) => {
    const source = idField(req.body, 'sourceCourseId', 'Choose the course to copy from.', 'NO_SOURCE_COURSE');
    const { copied, skipped } = await store.copyFromCourse(courseOf(req), source, launchOf(req).userId);
    res.redirect(303, `${launchBase(req)}/outcomes?notice=copied&copied=${copied}&skipped=${skipped.length}`);
  });

  r.post('/', async (req, res) => {
    const parsed = courseOutcomeInputSchema.safeParse(req.body);
    if (!parsed.success) return listPage(req, res, { values: req.body, errors: formErrors(parsed.error) }, 422);
    try {
      await store.create(courseOf(req), parsed.data);
    } catch (e) {
      if (e instanceof AppError && e.status === 409) return listPage(req, res, { values: req.body, errors: { code: e.message } }, 409);
      throw e;
    }
    res.redirect(303, `${launchBase(req)}/outcomes?notice=added`);
  });

  const editPage = (
    req: Request,
    res: Response,
    locals: { outcomeId: number; values: Record<string, unknown>; errors: Record<string, string> },
    status = 200,
  ) =>
    res.status(status).render('credentials/outcome-edit', {
      titleKey: 'credentials.outcomeEdit.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      ...locals,
    });

  r.get('/:outcomeId/edit', async (req, res) => {
    const o = await store.get(courseOf(req), id(req));
    editPage(req, res, { outcomeId: o.id, values: { code: o.code, title: o.title, description: o.description, lockVersion: o.lockVersion }, errors: {} });
  });

  r.post('/:outcomeId', async (req, res) => {
    const outcomeId = id(req);
    const parsed = courseOutcomeInputSchema.safeParse(req.body);
    const lock = parseId(req.body.lockVersion);
    if (!parsed.success || lock === undefined) {
      return editPage(
        req,
        res,
        { outcomeId, values: req.body, errors: parsed.success ? { _form: 'The form is missing its version; reload the page.' } : formErrors(parsed.error) },
        422,
      );
    }
    try {
      await store.update(courseOf(req), outcomeId, lock, parsed.data);
    } catch (e) {
      if (e instanceof AppError && e.status === 409) {
        return editPage(
          req,
          res,
          { outcomeId, values: req.body, errors: e.code === 'OUTCOME_CODE_TAKEN' ? { code: e.message } : { _form: `${e.message} ${e.hint ?? ''}` } },
          409,
        );
      }
      throw e;
    }
    res.redirect(303, `${launchBase(req)}/outcomes?notice=saved`);
  });

  r.post('/:outcomeId/archive', async (req, res) => {
    const lock = parseId(req.body.lockVersion);
    if (lock === undefined) throw formVersionMissing();
    const archive = req.body.archived === 'true';
    await store.setArchived(courseOf(req), id(req), lock, archive);
    res.redirect(303, `${launchBase(req)}/outcomes?notice=${archive ? 'archived' : 'restored'}`);
  });

  r.post('/:outcomeId/move', async (req, res) => {
    const outcomeId = id(req);
    const ids = (await store.list(courseOf(req))).map((o) => o.id);
    const at = ids.indexOf(outcomeId);
    if (at < 0) throw new NotFoundError('That course outcome does not exist in this course.');
    const to = req.body.direction === 'up' ? at - 1 : at + 1;
    if (to >= 0 && to < ids.length) {
      [ids[at], ids[to]] = [ids[to], ids[at]];
      await store.reorder(courseOf(req), ids);
    }
    res.redirect(303, `${launchBase(req)}/outcomes?notice=moved#outcome-${outcomeId}`);
  });

  return r;
}
