// The one launch-page router factory (src/web/launchPageRouter.ts): the role check comes
// before the body is read, a router's own guard or per-route checks are honoured, and every
// capability's launch router in src/ is made by it (no hand-written preamble).
import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { AppError, ForbiddenError } from '../../src/errors';
import type { LaunchContext } from '../../src/web/launchContext';
import { launchPageRouter } from '../../src/web/launchPageRouter';

const launchAs = (appRole: LaunchContext['appRole']): LaunchContext => ({
  id: 'l1',
  platformId: 1,
  platformName: 'Moodle',
  deploymentId: 'd1',
  courseId: 7,
  courseTitle: 'Course',
  userId: 3,
  userName: 'Someone',
  appRole,
  roles: [],
  messageType: 'LtiResourceLinkRequest',
  claims: {},
  coordinator: false,
});

/** An app whose launch is the role in the X-Role header, mounting `router` under /app/:launchId/x. */
function appWith(router: express.Router) {
  const app = express();
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const role = req.header('x-role') as LaunchContext['appRole'] | undefined;
    if (role) req.launch = launchAs(role);
    next();
  });
  app.use('/app/:launchId/x', router);
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; type?: string; code?: string };
    res.status(e.status ?? 500).json({ code: err instanceof AppError ? err.code : e.type });
  });
  return app;
}

describe('launchPageRouter', () => {
  const designOnly = () => {
    const r = launchPageRouter({ access: 'course:design', formLimit: '1kb' });
    r.post('/', (req: Request, res: Response) => res.json({ got: req.body.name, launchId: (req.params as Record<string, string>).launchId }));
    return r;
  };

  it('lets the capability in, reads its form and keeps the launch id of the mount', async () => {
    const res = await request(appWith(designOnly())).post('/app/l1/x').set('x-role', 'instructor').type('form').send({ name: 'Ada' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ got: 'Ada', launchId: 'l1' });
  });

  it('refuses another role before reading the body, whatever it sends', async () => {
    const res = await request(appWith(designOnly()))
      .post('/app/l1/x')
      .set('x-role', 'learner')
      .type('form')
      .send({ name: 'x'.repeat(5000) });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ROLE_NOT_ALLOWED');
  });

  it('enforces the form limit for those let in', async () => {
    const res = await request(appWith(designOnly()))
      .post('/app/l1/x')
      .set('x-role', 'instructor')
      .type('form')
      .send({ name: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
  });

  it("uses a router's own guard", async () => {
    const onlyAdmins = (req: Request, _res: Response, next: NextFunction) =>
      next(req.launch?.appRole === 'admin' ? undefined : new ForbiddenError('no', 'ADMINS_ONLY', 'ask'));
    const r = launchPageRouter({ access: onlyAdmins });
    r.get('/', (_req, res) => res.json({ ok: true }));
    expect((await request(appWith(r)).get('/app/l1/x').set('x-role', 'admin')).status).toBe(200);
    const refused = await request(appWith(r)).get('/app/l1/x').set('x-role', 'instructor');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('ADMINS_ONLY');
  });

  it("leaves 'each-route' routers to check per route, and reads no body without a limit", async () => {
    const r = launchPageRouter({ access: 'each-route' });
    r.post('/', (req, res) => res.json({ body: req.body ?? null }));
    const res = await request(appWith(r)).post('/app/l1/x').set('x-role', 'learner').type('form').send({ name: 'Ada' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ body: null });
  });
});

describe('every launch router in src/', () => {
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const src = path.resolve(__dirname, '../../src');

  it('is made by launchPageRouter; only the factory and the launch shell build a merged-params Router', () => {
    const handWritten = files(src)
      .filter((f) => f.endsWith('.ts') && /Router\(\{\s*mergeParams/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(src, f))
      .sort();
    expect(handWritten).toEqual(['web/launchPageRouter.ts', 'web/launchPages.ts']);
  });
});
