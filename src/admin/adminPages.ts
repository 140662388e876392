// The admin console: first-run set-up, sign-in, the tool's URLs, and platforms.
import { type NextFunction, type Request, type Response, Router } from 'express';
import multer from 'multer';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { type PlatformRegistry, LMS_FAMILIES, platformInputSchema } from '../lti/platforms';
import { toolUrls } from '../lti/provider';
import { idParam } from '../web/params';
import { csrfToken } from '../web/csrf';
import { QUALITY_ASSURANCE_SUGGESTIONS } from '../credentials/vocabulary';
import { AppError, ConflictError, ForbiddenError } from '../errors';
import { fieldText, formErrors } from '../forms';
import type { AdminAccounts } from './accounts';
import { checkNewAdmin } from './accounts';
import { canvasDeveloperKey } from './canvas';
import { type FailureCounter, LoginThrottle } from './throttle';
import type { DynamicRegistrations } from './dynamicRegistrationPages';
import {
  checkLogo,
  IDENTIFIER_TYPES,
  identifierRowCount,
  issuerFormInput,
  issuerFormValues,
  type IssuerProfileStore,
  issuerProfileSchema,
  type LogoChange,
  MAX_LOGO_BYTES,
  MAX_QA_POLICY_CHARS,
  QA_POLICY_PATH,
  qaPolicySchema,
} from '../issuer/issuerProfile';
import type { SigningKeys } from '../issuer/signingKeys';
import { allowEntryFormSchema, MAX_NOTE_CHARS, type OutboundAllowListStore } from './outboundAllowList';
import type { BadgeIssuer } from '../badges/issuance';
import type { HolderCopies } from '../wallets/holderCopies';
import { credentialState } from '../badges/credentialState';
import { badgeUrls } from '../badges/credentialBuilder';
import { formBody } from '../web/input';

export interface AdminDeps {
  accounts: AdminAccounts;
  issuer: IssuerProfileStore;
  platforms: PlatformRegistry;
  registrations: DynamicRegistrations;
  signingKeys: SigningKeys;
  badges: BadgeIssuer;
  holderCopies: HolderCopies;
  allowList: OutboundAllowListStore;
  /** Shared by every process: the sign-in throttle counts failures there. */
  rateLimits: FailureCounter;
  publicUrl: string;
  /** Whether learners' mail is on (SMTP_URL), for the console to say so. */
  mailStatus?: () => { enabled: boolean; from: string };
}

type FieldErrors = Record<string, string>;

export function configurePassport(accounts: AdminAccounts) {
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      accounts.verify(email, password).then((user) => done(null, user ?? false), done);
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as { id: number }).id));
  passport.deserializeUser((id: number, done) => {
    accounts.byId(id).then((u) => done(null, u ?? false), done);
  });
}

/** Signed-in admins only. A person in an LTI session (any LMS role) is not a console admin. */
export function requireAdmin(req: Request, res: Response, next: NextFunction) {
  if (req.user) return next();
  if (req.session.lti)
    return next(
      new ForbiddenError('The admin console is for microcred administrators.', 'NOT_AN_ADMIN', 'Sign in with a microcred admin account in a new browser tab.'),
    );
  if (req.method === 'GET') return res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
  next(new ForbiddenError('Sign in as an administrator first.', 'NOT_SIGNED_IN'));
}

const safeNext = (n: unknown) => (typeof n === 'string' && /^\/admin(\/|$)/.test(n) ? n : '/admin');

export function adminPages(deps: AdminDeps): Router {
  const r = Router();
  // The QA policy text may be long (up to 20,000 characters, each up to 9 bytes URL-encoded),
  // more than the console's 64 kB; its parser runs first, so the general one leaves it alone.
  // Only for a signed-in admin, like the logo upload below.
  const policyBody = formBody('256kb');
  r.post('/quality-policy', (req: Request, res: Response, next: NextFunction) => (req.user ? policyBody(req, res, next) : next()));
  r.use(formBody('64kb'));
  // The issuer form carries a logo, so it is multipart (its token was checked before any of
  // it was read: src/web/csrf.ts). Only for a signed-in admin: nobody else can make the
  // server read an upload.
  const logoUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_LOGO_BYTES, files: 1, fields: 150, fieldSize: 16 * 1024 } }).single(
    'logo',
  );
  r.post('/issuer', (req: Request, res: Response, next: NextFunction) => {
    if (!req.user || !req.is('multipart/form-data')) return next();
    logoUpload(req, res, (err: unknown) => {
      // Too large: the fields sent before the file (all of them: the file input is last) are
      // kept, so the form can be shown again with what was typed.
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') {
        res.locals.logoError = 'The logo is larger than 1 MB. Choose a smaller image.';
        return next();
      }
      if (err instanceof multer.MulterError)
        return next(new AppError(`The form was not accepted (${err.message}).`, 400, 'UPLOAD_REFUSED', 'Reload the page and try again.'));
      next(err as Error | undefined);
    });
  });

  const render = (req: Request, res: Response, view: string, locals: Record<string, unknown> = {}) =>
    res.render(`admin/${view}`, { csrf: csrfToken(req), admin: req.user, ...locals });

  // --- first run -----------------------------------------------------------
  r.get('/setup/:token', async (req, res) => {
    if (!(await deps.accounts.setupTokenValid(req.params.token))) {
      return res.status(410).render('error', {
        title: 'Set-up link no longer valid',
        error: {
          status: 410,
          code: 'SETUP_LINK_USED',
          message: 'This set-up link was already used or has expired.',
          hint: 'Sign in at /admin/login. If no admin exists yet, restart microcred to print a new link.',
        },
      });
    }
    render(req, res, 'setup', { titleKey: 'admin.setup.title', token: req.params.token, values: {}, errors: {} });
  });

  r.post('/setup/:token', async (req, res, next) => {
    const checked = checkNewAdmin(req.body ?? {});
    if (!checked.ok) {
      // The email typed is kept; the passwords never come back.
      return res.status(422).render('admin/setup', {
        titleKey: 'admin.setup.title',
        csrf: csrfToken(req),
        token: req.params.token,
        values: { email: req.body.email },
        errors: checked.errors,
        passwordAdvice: checked.passwordAdvice,
      });
    }
    const { email, password } = checked.value;
    const id = await deps.accounts.createFirstAdmin(req.params.token, email, password);
    if (!id) {
      return res.status(410).render('error', {
        title: 'Set-up link no longer valid',
        error: {
          status: 410,
          code: 'SETUP_LINK_USED',
          message: 'This set-up link was already used or has expired, so no account was created.',
          hint: 'Sign in at /admin/login with the account that was created.',
        },
      });
    }
    req.login({ id, email }, (err) => (err ? next(err) : res.redirect(303, '/admin')));
  });

  // --- sign in / out -------------------------------------------------------
  r.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, '/admin');
    render(req, res, 'login', { titleKey: 'admin.login.title', values: {}, error: undefined, next: safeNext(req.query.next) });
  });

  // Five tries per account; more per address, since a campus NAT puts many people behind one.
  // Counted in PostgreSQL, so every process behind a load balancer counts the same tries.
  const byEmail = new LoginThrottle(deps.rateLimits, 5, 15 * 60 * 1000, Date.now, 'admin-login-email');
  const byAddress = new LoginThrottle(deps.rateLimits, 30, 15 * 60 * 1000, Date.now, 'admin-login-ip');
  r.post('/login', async (req, res, next) => {
    const email = [
      `email:${String(req.body.email ?? '')
        .trim()
        .toLowerCase()
        .slice(0, 320)}`,
    ];
    const address = [`ip:${req.ip}`];
    const wait = Math.max(await byEmail.retryAfter(email), await byAddress.retryAfter(address));
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      return res.status(429).render('admin/login', {
        titleKey: 'admin.login.title',
        csrf: csrfToken(req),
        values: { email: req.body.email },
        error: { key: 'admin.login.tooMany', params: { count: Math.ceil(wait / 60000) } },
        next: safeNext(req.body.next),
      });
    }
    passport.authenticate('local', async (err: unknown, user: Express.User | false) => {
      if (err) return next(err);
      try {
        for (const [t, k] of [
          [byEmail, email],
          [byAddress, address],
        ] as const) {
          if (user) await t.succeed(k);
          else await t.fail(k);
        }
      } catch (e) {
        return next(e);
      }
      if (!user) {
        return res.status(401).render('admin/login', {
          titleKey: 'admin.login.title',
          csrf: csrfToken(req),
          values: { email: req.body.email },
          error: { key: 'admin.login.noMatch' },
          next: safeNext(req.body.next),
        });
      }
      req.login(user, (e) => (e ? next(e) : res.redirect(303, safeNext(req.body.next))));
    })(req, res, next);
  });

  r.post('/logout', (req, res, next) => {
    req.logout((err) => (err ? next(err) : req.session.destroy(() => res.redirect(303, '/admin/login'))));
  });

  // --- console -------------------------------------------------------------
  r.use(requireAdmin);

  r.get('/', async (req, res) => {
    render(req, res, 'dashboard', {
      titleKey: 'admin.dashboard.pageTitle',
      urls: toolUrls(deps.publicUrl),
      platforms: await deps.platforms.list(),
      notice: req.query.notice,
      mail: deps.mailStatus?.(),
    });
  });

  const platformForm = (req: Request, res: Response, locals: { id?: number; values: Record<string, unknown>; errors: FieldErrors }, status = 200) =>
    res.status(status).render('admin/platform-form', {
      titleKey: locals.id ? 'admin.platform.editTitle' : 'admin.platform.registerTitle',
      csrf: csrfToken(req),
      admin: req.user,
      families: LMS_FAMILIES,
      urls: toolUrls(deps.publicUrl),
      ...locals,
      id: locals.id ?? null,
    });

  r.get('/platforms/new', (req, res) => platformForm(req, res, { values: { lmsFamily: 'moodle' }, errors: {} }));

  r.post('/platforms', async (req, res, next) => {
    const parsed = platformInputSchema.safeParse(req.body);
    if (!parsed.success) return platformForm(req, res, { values: req.body, errors: formErrors(parsed.error) }, 422);
    try {
      await deps.platforms.create(parsed.data);
      res.redirect(303, '/admin?notice=registered');
    } catch (e) {
      const err = e as { status?: number; message?: string; hint?: string };
      if (err.status === 409) return platformForm(req, res, { values: req.body, errors: { _form: `${err.message} ${err.hint ?? ''}` } }, 409);
      next(e);
    }
  });

  const platformId = (req: Request) => idParam(req, 'id', 'That platform is not registered.');

  r.get('/platforms/:id/edit', async (req, res) => {
    const p = await deps.platforms.get(platformId(req));
    platformForm(req, res, { id: p.id, values: { ...p, deploymentIds: p.deploymentIds.join('\n') }, errors: {} });
  });

  r.post('/platforms/:id', async (req, res) => {
    const id = platformId(req);
    const parsed = platformInputSchema.safeParse(req.body);
    if (!parsed.success) return platformForm(req, res, { id, values: req.body, errors: formErrors(parsed.error) }, 422);
    try {
      await deps.platforms.update(id, parsed.data);
    } catch (e) {
      const err = e as { status?: number; message?: string };
      if (err.status === 409) return platformForm(req, res, { id, values: req.body, errors: { _form: String(err.message) } }, 409);
      throw e;
    }
    res.redirect(303, '/admin?notice=saved');
  });

  r.post('/platforms/:id/active', async (req, res) => {
    await deps.platforms.setActive(platformId(req), req.body.active === 'true');
    res.redirect(303, `/admin?notice=${req.body.active === 'true' ? 'enabled' : 'disabled'}`);
  });

  r.post('/platforms/:id/delete', async (req, res) => {
    await deps.platforms.remove(platformId(req));
    res.redirect(303, '/admin?notice=deleted');
  });

  // --- the institution's issuer profile ------------------------------------
  const issuerPage = async (req: Request, res: Response, values: Record<string, unknown>, errors: FieldErrors, status = 200) => {
    const current = await deps.issuer.get();
    res.status(status).render('admin/issuer', {
      titleKey: 'admin.issuer.title',
      csrf: csrfToken(req),
      admin: req.user,
      values,
      errors,
      notice: req.query.notice,
      identifierRows: identifierRowCount(values, status !== 200),
      identifierSuggestions: ['ext:BRIN', 'ext:KvK', 'ext:ERASMUS', 'ext:OrganisationId', 'ext:PIC', ...IDENTIFIER_TYPES],
      qaSuggestions: QUALITY_ASSURANCE_SUGGESTIONS,
      logo: current?.logoType ? { type: current.logoType, size: current.logoSize ?? 0 } : undefined,
      profileUrl: deps.signingKeys.identity.profileUrl,
    });
  };

  r.get('/issuer', async (req, res) => {
    await issuerPage(req, res, issuerFormValues(await deps.issuer.get()), {});
  });

  r.post('/issuer', async (req, res) => {
    const body = { ...(req.body ?? {}) } as Record<string, unknown>;
    const parsed = issuerProfileSchema.safeParse(issuerFormInput(body));
    // The logo is judged by its content; a refused logo keeps everything else that was typed.
    let logoError = res.locals.logoError as string | undefined;
    let logo: LogoChange;
    if (!logoError && req.file) {
      const checked = checkLogo(req.file.buffer);
      if (checked.ok) logo = { bytes: req.file.buffer, type: checked.type };
      else logoError = checked.message;
    } else if (!req.file && body.removeLogo === 'on') {
      logo = 'remove';
    }
    if (!parsed.success || logoError) {
      const errors = parsed.success ? {} : formErrors(parsed.error);
      if (logoError) errors.logo = logoError;
      return await issuerPage(req, res, body, errors, res.locals.logoError ? 413 : 422);
    }
    await deps.issuer.save(parsed.data, logo);
    res.redirect(303, '/admin/issuer?notice=saved');
  });

  // --- the institution's QA policy, published at /quality-policy -----------
  const qaPolicyPage = async (req: Request, res: Response, values: Record<string, unknown>, errors: FieldErrors, status = 200) => {
    const profile = await deps.issuer.get();
    const policy = await deps.issuer.qaPolicy();
    res.status(status).render('admin/quality-policy', {
      titleKey: 'admin.qaPolicy.title',
      csrf: csrfToken(req),
      admin: req.user,
      values,
      errors,
      notice: req.query.notice,
      hasProfile: Boolean(profile),
      externalUrl: profile?.qaPolicyUrl,
      publishedUrl: `${deps.publicUrl}${QA_POLICY_PATH}`,
      effectiveUrl: await deps.issuer.qaPolicyUrl(deps.publicUrl, profile),
      updatedAt: policy?.updatedAt,
      maxChars: MAX_QA_POLICY_CHARS,
    });
  };

  r.get('/quality-policy', async (req, res) => {
    const policy = await deps.issuer.qaPolicy();
    await qaPolicyPage(req, res, { title: policy?.title ?? '', text: policy?.text ?? '' }, {});
  });

  r.post('/quality-policy', async (req, res) => {
    const typed = { title: req.body.title ?? '', text: req.body.text ?? '' };
    const parsed = qaPolicySchema.safeParse(req.body);
    if (!parsed.success) return await qaPolicyPage(req, res, typed, formErrors(parsed.error), 422);
    if (!(await deps.issuer.saveQaPolicy(parsed.data))) {
      return await qaPolicyPage(
        req,
        res,
        typed,
        { _form: 'Fill in the issuer profile first: the policy is published under the institution’s name. Nothing was saved.' },
        409,
      );
    }
    res.redirect(303, `/admin/quality-policy?notice=${parsed.data.text ? 'saved' : 'removed'}`);
  });

  // --- signing keys ----------------------------------------------------------
  const keysPage = async (req: Request, res: Response, error?: string, status = 200) =>
    res.status(status).render('admin/keys', {
      titleKey: 'admin.keys.title',
      csrf: csrfToken(req),
      admin: req.user,
      keys: await deps.signingKeys.list(),
      identity: deps.signingKeys.identity,
      notice: req.query.notice,
      error,
    });

  r.get('/keys', async (req, res) => {
    await keysPage(req, res);
  });

  r.post('/keys', async (req, res, next) => {
    try {
      await deps.signingKeys.generate((req.user as { id: number }).id);
      res.redirect(303, '/admin/keys?notice=generated');
    } catch (e) {
      if (e instanceof ConflictError) return keysPage(req, res, `${e.message} ${e.hint ?? ''}`, 409).catch(next);
      next(e);
    }
  });

  // --- issued credentials: revoke and reinstate, across the institution ------
  r.get('/credentials', async (req, res) => {
    const rows = await deps.badges.all(500);
    const copies = await deps.holderCopies.forAwards(rows.map((row) => row.awardId));
    render(req, res, 'credentials', {
      titleKey: 'admin.credentials.title',
      rows: rows.map((row) => ({
        row,
        copies: copies.get(row.awardId) ?? [],
        state: credentialState(row),
        name: (row.credential as { name?: string }).name,
        share: badgeUrls(deps.publicUrl).credential(row.id),
      })),
      notice: req.query.notice,
    });
  });

  r.post('/credentials/:uuid/:action(revoke|reinstate)', async (req, res) => {
    const revoke = req.params.action === 'revoke';
    const adminId = (req.user as { id: number }).id;
    await deps.badges.setRevoked(req.params.uuid, revoke, { label: `admin:${adminId}`, userId: null }, req.body.reason);
    res.redirect(303, `/admin/credentials?notice=${revoke ? 'revoked' : 'reinstated'}`);
  });

  // --- internal hosts outbound fetches may reach -----------------------------
  const outboundPage = async (req: Request, res: Response, values: Record<string, unknown>, errors: FieldErrors, status = 200) =>
    res.status(status).render('admin/outbound', {
      titleKey: 'admin.outbound.title',
      csrf: csrfToken(req),
      admin: req.user,
      rows: await deps.allowList.list(),
      configured: deps.allowList.configured.map((e) => e.text),
      values,
      errors,
      notice: req.query.notice,
      maxNote: MAX_NOTE_CHARS,
    });

  r.get('/outbound', async (req, res) => {
    await outboundPage(req, res, {}, {});
  });

  r.post('/outbound', async (req, res) => {
    const typed = { entry: fieldText(req.body.entry), note: fieldText(req.body.note) };
    const parsed = allowEntryFormSchema.safeParse(typed);
    if (!parsed.success) return await outboundPage(req, res, typed, formErrors(parsed.error), 422);
    if (!(await deps.allowList.add(parsed.data.entry, parsed.data.note, (req.user as { id: number }).id))) {
      return await outboundPage(req, res, typed, { entry: `${parsed.data.entry.text} is on the list already.` }, 409);
    }
    res.redirect(303, '/admin/outbound?notice=added');
  });

  r.post('/outbound/:id/delete', async (req, res) => {
    const removed = await deps.allowList.remove(idParam(req, 'id', 'That entry is not on the list.'), (req.user as { id: number }).id);
    res.redirect(303, `/admin/outbound?notice=${removed ? 'removed' : 'gone'}`);
  });

  // --- dynamic registration links -----------------------------------------
  r.post('/registrations', async (req, res) => {
    const link = await deps.registrations.createLink();
    render(req, res, 'registration-link', { titleKey: 'admin.registration.title', link, canvasJsonUrl: toolUrls(deps.publicUrl).canvasConfig });
  });

  return r;
}

/** Public: Canvas fetches it when the admin chooses "Enter URL" for a developer key. */
export function canvasConfigHandler(publicUrl: string) {
  return (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(canvasDeveloperKey(publicUrl));
  };
}
