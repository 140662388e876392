// The badge image of a credential: /app/:launchId/credentials/:credentialId/image… . Course
// staff design one from the templates (shape, colours with a contrast check, an icon; the title
// and level are drawn in the image) or upload a PNG or SVG (checked by content, sanitised,
// resized); the image belongs to the draft and is frozen with it when it is published.
import type { NextFunction, Request, Response, Router } from 'express';
import multer from 'multer';
import {
  BADGE_ICONS,
  BADGE_SHAPES,
  type BadgeImageSpec,
  MAX_BADGE_UPLOAD_BYTES,
  MIN_CONTRAST,
  badgePngFor,
  checkDesign,
  checkUploadedImage,
  defaultDesign,
} from '../badges/badgeImage';
import { AppError, NotFoundError } from '../errors';
import { can, requireCapability } from '../web/authz';
import { csrfToken } from '../web/csrf';
import { formBody } from '../web/input';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';
import { idParam } from '../web/params';
import type { CredentialStore, CredentialVersionRow } from './store';
import { versionLockOf } from './validation';

export interface BadgeImagePagesDeps {
  credentials: CredentialStore;
}

type FormValues = Record<string, string>;

const str = (v: unknown): string => (Array.isArray(v) ? String(v[v.length - 1] ?? '') : v === undefined || v === null ? '' : String(v));

/** The design form's values for a version: its design, else the default design it shows now. */
function designValues(version: CredentialVersionRow): FormValues {
  const design = version.badgeImage?.kind === 'design' ? version.badgeImage.design : defaultDesign(String(version.credentialId));
  return { ...design };
}

export function badgeImagePages({ credentials: store }: BadgeImagePagesDeps): Router {
  const r = launchPageRouter({ access: 'each-route' });
  const design = requireCapability('course:design');
  const credId = (req: Request) => idParam(req, 'credentialId', 'That credential does not exist in this course.');
  const pageUrl = (req: Request) => `${launchBase(req)}/credentials/${credId(req)}/image`;

  // Multipart is read only on the upload route, after the role check, within the size limit.
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_BADGE_UPLOAD_BYTES, files: 1, fields: 5, fieldSize: 1024 } }).single('file');
  const readUpload = (req: Request, res: Response, next: NextFunction) =>
    upload(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) {
        const tooBig = err.code === 'LIMIT_FILE_SIZE';
        return next(
          new AppError(
            tooBig ? 'The image is larger than 2 MB, the most a badge image may be.' : `The upload was not accepted (${err.message}).`,
            tooBig ? 413 : 400,
            tooBig ? 'FILE_TOO_LARGE' : 'UPLOAD_REFUSED',
            'Choose a smaller PNG or SVG. The badge image is unchanged.',
          ),
        );
      }
      next(err as Error | undefined);
    });

  /** The version the page is about: the draft, else the published one (changing it starts a draft). */
  const current = async (req: Request) => {
    const cred = await store.get(courseOf(req), credId(req));
    return { cred, version: (cred.draft ?? cred.published)! };
  };

  const render = (
    req: Request,
    res: Response,
    l: { version: CredentialVersionRow; values: FormValues; errors: Record<string, string>; form?: 'design' | 'upload' },
    status = 200,
  ) =>
    res.status(status).render('credentials/badge-image', {
      titleKey: 'credentials.badgeImage.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      id: credId(req),
      shapes: BADGE_SHAPES,
      icons: BADGE_ICONS,
      minContrast: MIN_CONTRAST,
      notice: str(req.query.notice),
      form: l.form,
      version: l.version,
      values: l.values,
      errors: l.errors,
    });

  r.get('/', design, async (req, res) => {
    const { version } = await current(req);
    render(req, res, { version, values: designValues(version), errors: {} });
  });

  /** The image of the version the person may see (staff: draft or published; learners: published). */
  r.get('/current.png', requireCapability('course:read'), async (req, res) => {
    const staff = can(launchOf(req), 'course:design');
    const cred = await store.get(courseOf(req), credId(req), { publishedOnly: !staff });
    const version = staff ? (cred.draft ?? cred.published) : cred.published;
    if (!version) throw new NotFoundError('That credential does not exist in this course.');
    res.setHeader('Cache-Control', 'no-store');
    res.type('image/png').send(await badgePngFor(version, 300));
  });

  const save = async (req: Request, res: Response, image: BadgeImageSpec | null, failed: (e: AppError) => void) => {
    const lock = versionLockOf(req.body);
    try {
      await store.saveBadgeImage(courseOf(req), credId(req), lock, image, launchOf(req).userId);
    } catch (e) {
      if (e instanceof AppError && e.status === 409) return failed(e);
      throw e;
    }
    res.redirect(303, `${pageUrl(req)}?notice=${image ? 'saved' : 'reset'}`);
  };

  r.post('/design', design, formBody('16kb'), async (req, res) => {
    const { version } = await current(req);
    const values: FormValues = {
      shape: str(req.body.shape),
      background: str(req.body.background),
      foreground: str(req.body.foreground),
      icon: str(req.body.icon),
    };
    const checked = checkDesign(values);
    if (!checked.design) return render(req, res, { version, values, errors: checked.errors, form: 'design' }, 422);
    await save(req, res, { kind: 'design', design: checked.design }, (e) =>
      render(req, res, { version, values, errors: { _form: `${e.message} ${e.hint ?? ''}` }, form: 'design' }, 409),
    );
  });

  r.post('/upload', design, readUpload, async (req, res) => {
    const { version } = await current(req);
    const values = designValues(version);
    const file = req.file;
    if (!file || file.size === 0) return render(req, res, { version, values, errors: { file: 'Choose a PNG or SVG file to upload.' }, form: 'upload' }, 422);
    const checked = await checkUploadedImage(file.buffer);
    if (!checked.ok) return render(req, res, { version, values, errors: { file: checked.message }, form: 'upload' }, 422);
    await save(req, res, checked.image, (e) => render(req, res, { version, values, errors: { _form: `${e.message} ${e.hint ?? ''}` }, form: 'upload' }, 409));
  });

  r.post('/reset', design, formBody('4kb'), async (req, res) => {
    const { version } = await current(req);
    await save(req, res, null, (e) => render(req, res, { version, values: designValues(version), errors: { _form: `${e.message} ${e.hint ?? ''}` } }, 409));
  });

  return r;
}
