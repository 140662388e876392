// The one way a capability's pages inside a launch start: a router under /app/:launchId/…
// (loadLaunch has already run in the launch shell) that first says who may use it, then
// reads form bodies. The role check comes before the body parser, so someone refused is
// refused for who they are, whatever they send. CSRF needs nothing here: it is checked
// once, for every route, in src/web/csrf.ts.
import { type RequestHandler, Router } from 'express';
import { type Capability, requireCapability } from './authz';
import { formBody } from './input';

export interface LaunchPageRouterOptions {
  /**
   * Who may use every page of the router: a capability, a guard of the router's own, or
   * 'each-route' when the router's routes check different capabilities one by one.
   */
  access: Capability | RequestHandler | 'each-route';
  /** The largest urlencoded form body the pages accept (e.g. '64kb'); none read when absent. */
  formLimit?: string;
}

export function launchPageRouter({ access, formLimit }: LaunchPageRouterOptions): Router {
  const r = Router({ mergeParams: true });
  if (access !== 'each-route') r.use(typeof access === 'string' ? requireCapability(access) : access);
  if (formLimit) r.use(formBody(formLimit));
  return r;
}
