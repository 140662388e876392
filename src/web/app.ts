// Assembles the express app. Order matters: logging, headers, cookies, the one CSRF check
// (src/web/csrf.ts: before every route, so no route decides for itself), the LTI endpoints
// (exempt from it: the id_token is their proof), then session-backed pages.
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { ZodError } from 'zod';
import type { Provider } from 'ltijs';
import passport from 'passport';
import type { Logger } from 'pino';
import pinoHttp from 'pino-http';
import { adminPages, canvasConfigHandler, configurePassport, requireAdmin } from '../admin/adminPages';
import { adminQualityPages } from '../qa/adminQualityPages';
import { adminPathwayPages } from '../pathways/designPages';
import { publicPathwayPages } from '../pathways/publicPathwayPages';
import { badgePages } from '../badges/publicPages';
import { edcAdminPages } from '../edc/edcPages';
import { documentPages } from '../badges/documentPages';
import { cataloguePages } from '../qa/cataloguePages';
import { holderSurveyPages } from '../qa/holderSurveyPages';
import { openid4vciPages } from '../wallets/openid4vciPages';
import { publishingPages } from '../issuer/publishingPages';
import type { Database } from '../db/database';
import type { Services } from '../composition';
import { captureLogin, completeLaunch, continueFromStorage, guardLaunch, ltijsFailure } from '../lti/launchPages';
import { LTI_MOUNT, LTI_ROUTES } from '../lti/provider';
import { csrfProtection, csrfToken } from './csrf';
import { AppError, BadRequestError, NotFoundError } from '../errors';
import { recoverForm } from './formRecovery';
import { prefetchLaunch } from './launchContext';
import { launchPages } from './launchPages';
import { mailPages } from '../mail/mailPages';
import { requestIdFrom } from './requestId';
import { securityHeaders } from './security';
import { sessionMiddleware } from './session';
import { useViews } from './views';
import { walletPages } from '../wallets/walletPages';
import { forwardAsyncRejections } from './asyncHandlers';
import { formBody, refuseUnstorableAddress, unreadableAddress } from './input';

/** Every store and service (src/composition.ts), and what the web layer itself is configured with. */
export interface AppDeps extends Services {
  database: Database;
  lti: Provider;
  log: Logger;
  publicUrl: string;
  encryptionKey: Buffer;
  trustProxy: string | boolean | number;
  uploads: { maxUploadBytes: number; production: boolean };
}

export function createApp(deps: AppDeps) {
  const { database, lti, log } = deps;
  // Before any route: a handler's rejected promise is its error page, never a hung request or a crash.
  forwardAsyncRejections();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  useViews(app);

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
      // Tokens and cookies never reach the log.
      redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.replace(/([?&](ltik|reg|registration_token|id_token|code)=)[^&]*/g, '$1[redacted]'),
        }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || (req.url ?? '').startsWith('/public/') },
    }),
  );
  app.use(securityHeaders(deps.frameOrigins, { production: deps.uploads.production, publicUrl: deps.publicUrl }));
  // Same secret as ltijs's own cookie-parser, so our guard can read its signed state cookies.
  app.use(cookieParser(deps.encryptionKey.toString('base64')));
  const session = sessionMiddleware(database.db);
  // Every request but GET, HEAD and OPTIONS, whatever its body, before any route or body parser sees it.
  app.use(csrfProtection({ session, publicUrl: deps.publicUrl }));
  // Every address and query, before any route reads it: text PostgreSQL cannot store is a 400.
  app.use(refuseUnstorableAddress);
  app.use('/public', express.static(publicDir(), { maxAge: '1h', index: false }));

  app.get('/healthz', async (_req, res) => {
    try {
      await database.pool.query('SELECT 1');
      res.json({ status: 'ok', database: 'ok' });
    } catch (err) {
      log.error({ err }, 'health check failed');
      res.status(503).json({ status: 'error', database: 'unreachable' });
    }
  });
  // The issuer's public Profile, logo and DID document: no session, no CSRF.
  app.use(publishingPages({ issuer: deps.issuer, signingKeys: deps.signingKeys, publicUrl: deps.publicUrl }));
  // Issued credentials' public pages and files, status lists, the verification page and API.
  app.use(
    badgePages({
      db: database.db,
      issuer: deps.badges,
      assessment: deps.assessment,
      publicUrl: deps.publicUrl,
      verifier: deps.verifier,
      institutionQaPolicyUrl: () => deps.issuer.qaPolicyUrl(deps.publicUrl),
      edc: deps.edc,
    }),
  );
  // Their printable certificate, link-preview image and oEmbed answer.
  app.use(documentPages({ issuer: deps.badges, publicUrl: deps.publicUrl }));
  // The public catalogue of published micro-credentials, its JSON feed, and the QA policy page.
  app.use(cataloguePages({ catalogue: deps.catalogue, issuer: deps.issuer, publicUrl: deps.publicUrl, pathways: () => deps.pathways.publicFeed() }));
  app.use(publicPathwayPages({ pathways: deps.pathways }));
  // The holder's follow-up survey, linked from the share page: the holder code is its proof.
  app.use(holderSurveyPages({ surveys: deps.surveys, encryptionKey: deps.encryptionKey }));
  // Wallet delivery: the VC-API exchange endpoint, and "Add to a wallet" for the holder.
  app.use(
    walletPages({
      badges: deps.badges,
      vcApi: deps.vcApi,
      encryptionKey: deps.encryptionKey,
      openid4vci: deps.openid4vci,
      publicUrl: deps.publicUrl,
    }),
  );
  // OpenID4VCI: issuer metadata, offers, token, nonce and credential endpoints. Machine to
  // machine: no session; the pre-authorized code, access token and proof are the proof.
  app.use(
    openid4vciPages({ publicUrl: deps.publicUrl, issuer: deps.issuer, openid4vci: deps.openid4vci, rateLimits: deps.rateLimits, copies: deps.holderCopies }),
  );
  // The one-click unsubscribe link of learners' mail: the signed token is its proof.
  app.use(mailPages({ mail: deps.mail, encryptionKey: deps.encryptionKey }));

  const launchDeps = { db: database.db, platforms: deps.platforms, log, publicUrl: deps.publicUrl, encryptionKey: deps.encryptionKey };
  const body = formBody('256kb');
  app.get(`${LTI_MOUNT}/canvas.json`, canvasConfigHandler(deps.publicUrl));
  app.all(`${LTI_MOUNT}${LTI_ROUTES.login}`, body, captureLogin(launchDeps));
  app.get(`${LTI_MOUNT}${LTI_ROUTES.register}`, session, deps.registrations.handler());
  // The launch needs our session (to open one) but no CSRF token: the id_token is its proof.
  app.post(`${LTI_MOUNT}${LTI_ROUTES.launch}`, body, session, guardLaunch(launchDeps));
  // The platform-storage continuation re-enters ltijs's launch handler with the saved id_token.
  app.post(`${LTI_MOUNT}${LTI_ROUTES.launch}/storage`, body, session, continueFromStorage(launchDeps), (req, res, next) => {
    req.url = LTI_ROUTES.launch;
    lti.app(req, res, next);
  });

  lti.onConnect(completeLaunch(launchDeps));
  lti.onDeepLinking(completeLaunch(launchDeps));
  const failure = ltijsFailure(log);
  lti.onInvalidToken(failure);
  lti.onSessionTimeout(failure);
  lti.onUnregisteredPlatform((req, res) => {
    log.warn({ reason: 'UNKNOWN_PLATFORM', reqId: req.id }, 'LTI login rejected');
    res.status(400).render('error', {
      title: 'Unknown LMS',
      error: {
        status: 400,
        code: 'UNKNOWN_PLATFORM',
        message: 'This LMS is not registered with microcred.',
        hint: 'Ask your administrator to register the LMS (issuer and client ID) in the microcred admin console.',
      },
    });
  });
  lti.onInactivePlatform((req, res) => {
    log.warn({ reason: 'PLATFORM_DISABLED', reqId: req.id }, 'LTI login rejected');
    res.status(403).render('error', {
      title: 'LMS disabled',
      error: {
        status: 403,
        code: 'PLATFORM_DISABLED',
        message: 'This LMS has been disabled in microcred.',
        hint: 'Ask your microcred administrator to enable it again.',
      },
    });
  });
  // ltijs would also accept an ltik (which never expires) on any path under its mount.
  // Only the three routes we use reach it, and the launch only after our guard passed.
  app.use(LTI_MOUNT, (req, res, next) => {
    const allowed =
      req.path === LTI_ROUTES.login ||
      (req.path === LTI_ROUTES.keys && req.method === 'GET') ||
      (req.path === LTI_ROUTES.launch && req.method === 'POST' && res.locals.platformRow);
    if (allowed) return next();
    next(new NotFoundError());
  });
  app.use(LTI_MOUNT, lti.app);

  // Everything below has a session. A launch page's own row is asked for alongside it.
  app.use('/app/:launchId', prefetchLaunch(database.db));
  app.use(session);
  configurePassport(deps.accounts);
  app.use(passport.initialize());
  app.use(passport.session());

  app.get('/', (req, res) => res.render('home', { title: 'microcred' }));
  app.use('/admin/quality', requireAdmin, adminQualityPages({ qa: deps.qa }));
  app.use('/admin/seal', requireAdmin, edcAdminPages({ seals: deps.seals }));
  app.use('/admin/pathways', requireAdmin, adminPathwayPages({ pathways: deps.pathways }));
  app.use(
    '/admin',
    adminPages({
      accounts: deps.accounts,
      issuer: deps.issuer,
      platforms: deps.platforms,
      registrations: deps.registrations,
      signingKeys: deps.signingKeys,
      badges: deps.badges,
      holderCopies: deps.holderCopies,
      allowList: deps.allowList,
      rateLimits: deps.rateLimits,
      publicUrl: deps.publicUrl,
      mailStatus: () => deps.mail.status(),
    }),
  );
  app.use(
    '/app',
    launchPages({
      ...deps,
      db: database.db,
      learner: { maxUploadBytes: deps.uploads.maxUploadBytes, verify: (input) => deps.verifier.verify(input) },
    }),
  );

  app.use((_req, _res, next) => next(new NotFoundError()));
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    // Failed after its answer began (a handler's late rejection): log it; express ends the response.
    if (res.headersSent) {
      req.log?.error({ err }, 'error after the response began');
      return next(err);
    }
    const error = err instanceof AppError ? err : bodyError(err);
    if (!error) {
      req.log?.error({ err }, 'unhandled error');
      res.status(500);
      return res.render('error', {
        title: 'Something went wrong',
        error: {
          status: 500,
          code: 'INTERNAL',
          message: 'Something went wrong on our side.',
          hint: `Try again. If it keeps happening, give your administrator this reference: ${String(req.id)}.`,
        },
      });
    }
    if (error.status >= 500) req.log?.error({ err, code: error.code }, error.message);
    else req.log?.info({ code: error.code }, error.message);
    res.status(error.status);
    if (req.accepts(['html', 'json']) === 'json') return res.json({ error: { code: error.code, message: error.message, hint: error.hint } });
    // A form refused before anything was done comes back with what was typed (and, where it can
    // be sent again, a fresh token): nothing typed is lost.
    recoverForm(req, res, error.code).then(
      (form) =>
        res.render('error', {
          title: error.message,
          error,
          form: form && { ...form, csrf: form.mode === 'resend' && req.session ? csrfToken(req) : undefined },
        }),
      (e: unknown) => {
        req.log?.error({ err: e }, 'could not give the refused form back');
        res.render('error', { title: error.message, error });
      },
    );
  });
  return app;
}

/**
 * Multipart bodies busboy (under multer) cannot read: plain Errors, told apart by their
 * messages (busboy 1.6 lib/index.js and lib/types/multipart.js; multer 2 lib/make-middleware.js
 * for a request that ends or breaks mid-body).
 */
const UNREADABLE_MULTIPART =
  /^(Unexpected end of (form|file)|Malformed part header|Multipart: Boundary not found|Malformed content type|Malformed urlencoded form|Unsupported content type|Missing Content-Type|Request (aborted|closed|error))/;

/**
 * What the request's own input makes fail before a handler could act, as a 4xx for people:
 * what express's body parsers refuse (body-parser errors: too large, an encoding or charset
 * they do not read, malformed JSON, a broken gzip stream), a multipart body multer or busboy
 * cannot read or refuses, an address express cannot decode, and a zod schema a route parsed
 * without catching (a form it cannot read). Anything else is not the sender's error.
 */
function bodyError(err: unknown): AppError | undefined {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE')
      return new AppError('The file is larger than this form accepts.', 413, 'FILE_TOO_LARGE', 'Choose a smaller file, or share it as a link instead.');
    return new AppError(`The form was not accepted (${err.message}).`, 400, 'UPLOAD_REFUSED', 'Reload the page and try again.');
  }
  if (err instanceof Error && UNREADABLE_MULTIPART.test(err.message) && !(err instanceof AppError)) return unreadableBody();
  // express's decoding of a route parameter ("%E0%A4%A"): refuseUnstorableAddress answers first, this is the backstop.
  if (err instanceof URIError && (err as { status?: number }).status === 400) return unreadableAddress();
  if (err instanceof ZodError)
    return new BadRequestError(
      `This form has fields that could not be read: ${[...new Set(err.issues.map((i) => i.path.join('.') || '(the form)'))].join(', ')}.`,
      'FORM_INVALID',
      'Nothing was saved. Reload the page and try again.',
    );
  const e = err as { type?: string; status?: number; expose?: boolean } | undefined;
  if (e?.type === 'entity.too.large' || e?.type === 'parameters.too.many')
    return new AppError('What you sent is larger than allowed.', 413, 'TOO_LARGE', 'Shorten it and try again.');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError(
      'What you sent uses an encoding this site does not read.',
      415,
      'BODY_ENCODING',
      'Send it as UTF-8 text, without compression other than gzip or deflate.',
    );
  }
  // entity.parse.failed, entity.verify.failed, request.aborted, request.size.invalid, and inflate errors (no type).
  if (e?.expose === true && e.status === 400) return unreadableBody();
  return undefined;
}

const unreadableBody = () =>
  new AppError(
    'What you sent could not be read.',
    400,
    'BODY_UNREADABLE',
    'Check that it is complete and well-formed (JSON must be valid JSON), then send it again.',
  );

function publicDir(): string {
  const fs = require('node:fs') as typeof import('node:fs');
  for (const c of [path.resolve(__dirname, '..', '..', 'public'), path.resolve(__dirname, '..', '..', '..', 'public')]) if (fs.existsSync(c)) return c;
  throw new Error('public/ folder not found');
}
