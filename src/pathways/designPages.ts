// The pathway designer, the coordinator's decisions and the cohort view: one router, mounted
// twice. In the admin console (/admin/pathways, behind requireAdmin in src/web/app.ts) for
// administrators, who also name the coordinators; inside a launch (/app/<launchId>/pathways/design)
// for LMS users an administrator made coordinators. Every write: the form parsed (pure), then
// the store (readiness gate on publish; lockVersion on save; reasons for every decision).
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { ForbiddenError } from '../errors';
import { csrfToken } from '../web/csrf';
import { sendCsv } from '../web/download';
import { formBody } from '../web/input';
import { launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';
import { idParam } from '../web/params';
import { cohortCsv, creditsDistribution } from './cohort';
import { formValuesOf, parsePathwayForm } from './pathwayForm';
import { describeRules, type PathwayKind } from './pathwayRules';
import type { Actor, PathwayStore } from './store';

export interface PathwayDesignDeps {
  pathways: PathwayStore;
}

interface Mode {
  /** Where the designer lives, for links and redirects. */
  base(req: Request): string;
  actor(req: Request): Actor;
  /** What the layout needs: the admin header, or the launch's. */
  locals(req: Request): Record<string, unknown>;
  admin: boolean;
}

/** Administrators: /admin/pathways (mounted behind requireAdmin). */
export function adminPathwayPages(deps: PathwayDesignDeps): Router {
  const r = Router();
  r.use(formBody('256kb'));
  const user = (req: Request) => req.user as { id: number; email: string };
  // Before the designer's /:id routes, which would otherwise take "coordinators" for an id.
  r.post('/coordinators', async (req, res) => {
    try {
      await deps.pathways.grantCoordinator(String(req.body.email ?? ''), user(req).id);
      res.redirect(303, '/admin/pathways?notice=granted');
    } catch (e) {
      if ((e as { code?: string }).code !== 'UNKNOWN_USER') throw e;
      await renderList(req, res, deps, adminMode(req), { coordinatorError: (e as Error).message, email: String(req.body.email ?? '') }, 422);
    }
  });
  r.post('/coordinators/:userId/remove', async (req, res) => {
    await deps.pathways.removeCoordinator(idParam(req, 'userId', 'That coordinator does not exist.'), user(req).id);
    res.redirect(303, '/admin/pathways?notice=removed');
  });
  designRoutes(r, deps, {
    admin: true,
    base: () => '/admin/pathways',
    actor: (req) => ({ label: `admin:${user(req).id}`, userId: null }),
    locals: (req) => ({ admin: req.user, csrf: csrfToken(req) }),
  });
  return r;
}

const adminMode = (req: Request): Mode => ({
  admin: true,
  base: () => '/admin/pathways',
  actor: () => ({ label: `admin:${(req.user as { id: number }).id}`, userId: null }),
  locals: () => ({ admin: req.user, csrf: csrfToken(req) }),
});

/** Coordinators, from their own launch: /app/<launchId>/pathways/design. */
export function coordinatorPathwayPages(deps: PathwayDesignDeps): Router {
  const onlyCoordinators: RequestHandler = async (req, _res, next) => {
    if (await deps.pathways.isCoordinator(launchOf(req).userId)) return next();
    next(new ForbiddenError('Designing pathways is for programme coordinators.', 'NOT_A_COORDINATOR', 'Ask an administrator to make you a coordinator.'));
  };
  const r = launchPageRouter({ access: onlyCoordinators, formLimit: '256kb' });
  designRoutes(r, deps, {
    admin: false,
    base: (req) => `${launchBase(req)}/pathways/design`,
    actor: (req) => ({ label: `user:${launchOf(req).userId}`, userId: launchOf(req).userId }),
    locals: (req) => ({ launch: req.launch, base: launchBase(req), csrf: csrfToken(req) }),
  });
  return r;
}

async function renderList(req: Request, res: Response, deps: PathwayDesignDeps, mode: Mode, extra: Record<string, unknown> = {}, status = 200) {
  const [list, coordinators, external, flagged] = await Promise.all([
    deps.pathways.list(),
    mode.admin ? deps.pathways.coordinators() : Promise.resolve([]),
    deps.pathways.pendingExternal(),
    deps.pathways.flagged(),
  ]);
  res.status(status).render('pathways/design-list', {
    titleKey: 'pathways.list.title',
    ...mode.locals(req),
    designBase: mode.base(req),
    isAdmin: mode.admin,
    pathways: list,
    coordinators,
    external,
    flagged,
    notice: typeof req.query.notice === 'string' ? req.query.notice : undefined,
    coordinatorError: undefined,
    email: '',
    ...extra,
  });
}

function designRoutes(r: Router, deps: PathwayDesignDeps, mode: Mode) {
  const { pathways } = deps;

  const renderEdit = async (
    req: Request,
    res: Response,
    opts: { id?: number; values: Record<string, string>; errors: Record<string, string>; status?: number },
  ) => {
    const row = opts.id !== undefined ? await pathways.get(opts.id) : undefined;
    const offered = await pathways.publishedCredentials();
    res.status(opts.status ?? 200).render('pathways/edit', {
      ...(row ? { titleKey: 'pathways.edit.title', titleParams: { title: row.title } } : { titleKey: 'pathways.edit.newTitle' }),
      ...mode.locals(req),
      designBase: mode.base(req),
      row,
      offered,
      values: opts.values,
      errors: opts.errors,
      readiness: row ? pathways.readiness(row) : undefined,
      rules: row ? describeRules(row.kind as PathwayKind, row.rules) : [],
    });
  };

  r.get('/', async (req, res) => renderList(req, res, deps, mode));

  r.get('/new', async (req, res) => renderEdit(req, res, { values: { kind: 'open' }, errors: {} }));

  r.post('/new', async (req, res) => {
    const parsed = parsePathwayForm(req.body, await pathways.publishedCredentials());
    if (!parsed.input) return renderEdit(req, res, { values: parsed.values, errors: parsed.errors, status: 422 });
    const row = await pathways.create(parsed.input, mode.actor(req));
    res.redirect(303, `${mode.base(req)}/${row.id}?notice=saved`);
  });

  r.get('/:id', async (req, res) => {
    const id = idParam(req, 'id', 'That pathway does not exist.');
    const row = await pathways.get(id);
    await renderEdit(req, res, { id, values: { ...formValuesOf(row as never), lockVersion: String(row.lockVersion) }, errors: {} });
  });

  r.post('/:id', async (req, res) => {
    const id = idParam(req, 'id', 'That pathway does not exist.');
    const parsed = parsePathwayForm(req.body, await pathways.publishedCredentials());
    if (!parsed.input) return renderEdit(req, res, { id, values: parsed.values, errors: parsed.errors, status: 422 });
    await pathways.update(id, Number(req.body.lockVersion), parsed.input, mode.actor(req));
    res.redirect(303, `${mode.base(req)}/${id}?notice=saved`);
  });

  r.post('/:id/publish', async (req, res) => {
    const id = idParam(req, 'id', 'That pathway does not exist.');
    await pathways.publish(id, mode.actor(req));
    res.redirect(303, `${mode.base(req)}/${id}?notice=published`);
  });

  r.get('/:id/cohort', async (req, res) => {
    const cohort = await pathways.cohort(idParam(req, 'id', 'That pathway does not exist.'));
    res.render('pathways/cohort', {
      titleKey: 'pathways.cohort.title',
      titleParams: { title: cohort.pathway.title },
      ...mode.locals(req),
      designBase: mode.base(req),
      cohort,
      distribution: creditsDistribution(cohort.learners.map((l) => l.progress.credits)),
    });
  });

  r.get('/:id/cohort.csv', async (req, res) => {
    const cohort = await pathways.cohort(idParam(req, 'id', 'That pathway does not exist.'));
    sendCsv(res, `pathway-${cohort.pathway.id}-cohort`, cohortCsv(cohort));
  });

  r.post('/awards/:awardId/decide', async (req, res) => {
    const decision = req.body.decision === 'revoke' ? 'revoke' : 'keep';
    await pathways.decide(idParam(req, 'awardId', 'That composite credential does not exist.'), decision, req.body.reason, mode.actor(req));
    res.redirect(303, `${mode.base(req)}?notice=${decision === 'keep' ? 'kept' : 'revoked'}`);
  });

  r.post('/external/:externalId/decide', async (req, res) => {
    const approve = req.body.decision === 'approve';
    await pathways.decideExternal(idParam(req, 'externalId', 'That external achievement does not exist.'), approve, req.body.reason, mode.actor(req));
    res.redirect(303, `${mode.base(req)}?notice=${approve ? 'approved' : 'rejected'}`);
  });
}
