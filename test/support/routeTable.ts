// The app's route table, read from express's own router stack: every route with its method
// and full path pattern, through nested routers and mounted sub-apps. Tests that must cover
// every route (the CSRF table, the fuzz test) walk this instead of a hand-kept list, so a
// route added later is covered the day it is added.
import type { Application } from 'express';

export const STATE_CHANGING_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** `:name(pattern)?`, the pattern with at most one level of nested parentheses. */
const PARAM = /:(\w+)(?:\(((?:[^()]|\([^()]*\))*)\))?(\?)?/g;

export interface RouteParam {
  name: string;
  /** The param's own pattern, e.g. `\d+` or `revoke|reinstate`, where the route gives one. */
  pattern?: string;
  optional: boolean;
}

export interface RouteEntry {
  /** Upper case; `ALL` for app.all()/router.all(). */
  method: string;
  /** The full express path pattern, e.g. `/app/:launchId/outcomes/:outcomeId/archive`. */
  path: string;
  params: RouteParam[];
  /** The path with its params filled: from `values` by name, else a value the param's pattern accepts. */
  fill(values?: Record<string, string | number>): string;
}

/** A layer of express 4's router stack (not part of its typings). */
interface Layer {
  name: string;
  handle: { stack?: Layer[] };
  regexp: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys: { name: string; optional: boolean }[];
  route?: { path: string | RegExp | (string | RegExp)[]; methods: Record<string, boolean> };
}

/**
 * Every route of `app`. A sub-app mounted with app.use(path, subApp) hides its router from
 * the parent's stack: pass it in `mounts`, by its mount path (e.g. { '/lti': lti.app }); an
 * unknown one is an error, so no routes go unseen.
 */
export function routeTable(app: Application, mounts: Record<string, Application> = {}): RouteEntry[] {
  const out: RouteEntry[] = [];
  const root = (app as unknown as { _router?: { stack: Layer[] } })._router;
  if (!root) throw new Error('the app has no router yet');
  walk(root.stack, '', mounts, out);
  return out;
}

/**
 * The entries whose method can change state, once per method and path (a path can be listed
 * twice, e.g. a body parser mounted ahead of its route); ALL (router.all) spread into each.
 */
export function stateChangingRoutes(table: RouteEntry[]): RouteEntry[] {
  const seen = new Set<string>();
  return table
    .flatMap((r) => (r.method === 'ALL' ? STATE_CHANGING_METHODS.map((method) => ({ ...r, method })) : [r]))
    .filter((r) => (STATE_CHANGING_METHODS as readonly string[]).includes(r.method))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && Boolean(seen.add(`${r.method} ${r.path}`)));
}

/** The path with its params' own patterns left out: `/credentials/:uuid(…)/x` → `/credentials/:uuid/x`. */
export const withoutParamPatterns = (path: string) =>
  path.replace(PARAM, (_m, name: string, _p: string | undefined, optional: string | undefined) => `:${name}${optional ?? ''}`);

function walk(stack: Layer[], prefix: string, mounts: Record<string, Application>, out: RouteEntry[]) {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) {
        if (typeof p !== 'string') throw new Error(`a route under ${prefix || '/'} has a RegExp path (${String(p)}): give it a string pattern`);
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on) out.push(entry(method === '_all' ? 'ALL' : method.toUpperCase(), join(prefix, p)));
      }
    } else if (layer.name === 'router' && layer.handle.stack) {
      walk(layer.handle.stack, join(prefix, mountPath(layer)), mounts, out);
    } else if (layer.name === 'mounted_app') {
      const at = join(prefix, mountPath(layer));
      const sub = mounts[at];
      if (!sub) throw new Error(`an app is mounted at ${at}: pass it to routeTable() in mounts so its routes are seen`);
      const subStack = (sub as unknown as { _router?: { stack: Layer[] } })._router?.stack ?? [];
      walk(subStack, at, mounts, out);
    }
  }
}

/**
 * The path a router or sub-app was mounted at, read back from the RegExp express 4 built from
 * it (path-to-regexp 0.1: `^\/app(?:\/([^/]+?))\/?(?=\/|$)` for `/app/:id`). Anything it
 * cannot read back is an error, never a guess.
 */
function mountPath(layer: Layer): string {
  if (layer.regexp.fast_slash) return '';
  let src = layer.regexp.source;
  if (!src.startsWith('^') || !src.endsWith('\\/?(?=\\/|$)')) throw new Error(`cannot read the mount path back from ${src}`);
  src = src.slice(1, -'\\/?(?=\\/|$)'.length);
  let i = 0;
  src = src.replace(/\(\?:\\\/\(\[\^\/\]\+\?\)\)/g, () => `/:${layer.keys[i++].name}`);
  const path = src.replace(/\\\//g, '/');
  if (/[\\^$()[\]{}|?*+]/.test(path) || i !== layer.keys.length) throw new Error(`cannot read the mount path back from ${layer.regexp.source}`);
  return path;
}

const join = (a: string, b: string) => (a + (b === '/' && a ? '' : b)).replace(/\/{2,}/g, '/') || '/';

function entry(method: string, path: string): RouteEntry {
  const params = [...path.matchAll(PARAM)].map((m) => ({ name: m[1], pattern: m[2], optional: m[3] === '?' }));
  return {
    method,
    path,
    params,
    fill(values = {}) {
      return path.replace(PARAM, (_m, name: string, pattern: string | undefined) => encodeURIComponent(String(values[name] ?? sampleFor(pattern, name))));
    },
  };
}

const SAMPLES = ['1', '00000000-0000-4000-8000-000000000000', 'x'];

/** A value the param's pattern accepts: a number, a UUID, a word, or the first of its alternatives. */
function sampleFor(pattern: string | undefined, name: string): string {
  if (!pattern) return '1';
  const re = new RegExp(`^(?:${pattern})$`);
  const alternatives = /^[\w-]+(\|[\w-]+)+$/.test(pattern) ? pattern.split('|') : [];
  const found = [...SAMPLES, ...alternatives].find((s) => re.test(s));
  if (!found) throw new Error(`no sample value for :${name}(${pattern}): pass one in fill()`);
  return found;
}
