// Sets ltijs up in serverless mode on our database, mounted under /lti.
// Configured around its defaults (docs/decisions/0002-ltijs-hardening.md):
// tokenMaxAge 60 s (ID_TOKEN_CLOCK_SKEW_SECONDS), CORS off, no platform cookie or ltik redirect (ltiaas mode),
// and no deploy(): it calls process.exit() on a database error.
import { Provider as lti, type Provider } from 'ltijs';
import Sequelize from 'ltijs-sequelize';
import type { Pool } from 'pg';

export interface LtiRoutes {
  login: string;
  launch: string;
  keys: string;
  register: string;
}

export const LTI_MOUNT = '/lti';
export const LTI_ROUTES: LtiRoutes = { login: '/login', launch: '/launch', keys: '/keys', register: '/register' };

export function toolUrls(publicUrl: string) {
  return {
    login: `${publicUrl}${LTI_MOUNT}${LTI_ROUTES.login}`,
    launch: `${publicUrl}${LTI_MOUNT}${LTI_ROUTES.launch}`,
    jwks: `${publicUrl}${LTI_MOUNT}${LTI_ROUTES.keys}`,
    dynamicRegistration: `${publicUrl}${LTI_MOUNT}${LTI_ROUTES.register}`,
    canvasConfig: `${publicUrl}/lti/canvas.json`,
  };
}

/**
 * Whether a login initiation's target_link_uri is the tool's own launch URL, the only one it
 * registers (dynamic registration, the Canvas JSON) and places (deep-linked links). ltijs
 * sends it on to the LMS as redirect_uri with its query cut off (Canvas's full-window launch
 * adds one), so that part must be the launch URL exactly; the LMS posts the id_token there.
 */
export function isToolLaunchUrl(publicUrl: string, target: unknown): boolean {
  return typeof target === 'string' && target.split('?')[0] === toolUrls(publicUrl).launch;
}

/**
 * How far an LMS's clock may be from ours, either way, as seen in an id_token's `iat`. ltijs
 * refuses a token issued longer ago than this (tokenMaxAge; `exp` it checks with no leeway at
 * all: jsonwebtoken without clockTolerance, Utils/Auth.js verifyToken); guardLaunch
 * (src/lti/launchPages.ts) refuses one issued further in the future. One number for both ways.
 */
export const ID_TOKEN_CLOCK_SKEW_SECONDS = 60;

/** ltijs's tables live in their own schema: its `platforms` would collide with ours. */
export const LTIJS_SCHEMA = 'ltijs';

export async function createLtiProvider(opts: { databaseUrl: string; encryptionKey: Buffer; pool: Pool }): Promise<Provider> {
  await opts.pool.query(`CREATE SCHEMA IF NOT EXISTS ${LTIJS_SCHEMA}`);
  const provider = await setupLtijs(opts.databaseUrl, opts.encryptionKey.toString('base64'), LTIJS_SCHEMA);
  leanLtijsStores(provider, opts.pool);
  return provider;
}

type LtijsDatabase = {
  Get(encryptionKey: unknown, table: string, info?: Record<string, unknown>): Promise<unknown>;
  Insert(encryptionKey: unknown, table: string, ...rest: unknown[]): Promise<boolean>;
  Replace(encryptionKey: unknown, table: string, ...rest: unknown[]): Promise<boolean>;
  Modify(encryptionKey: unknown, table: string, ...rest: unknown[]): Promise<boolean>;
  Delete(table: string, ...rest: unknown[]): Promise<boolean>;
};

/** How long a process reuses ltijs's platform record and status (see leanLtijsStores). */
export const LTIJS_PLATFORM_CACHE_MS = 5_000;
const CACHED_TABLES = new Set(['platform', 'platformStatus']);

/**
 * ltijs's launch handler does nine database round trips; four of its stores do nothing for
 * microcred, and one check takes two round trips where one suffices (decision 0021):
 *
 * - `idtoken` and `contexttoken` (a DELETE and an INSERT each per launch) back ltijs's ltik
 *   sessions. microcred never accepts an ltik (the gate in src/web/app.ts) and keeps what it
 *   needs in launch_sessions; nothing reads them, and they only kept each launcher's name,
 *   email, roles and context for a day (ltijs's hourly clean-up). Not written.
 * - `state` keeps the query of a login's target_link_uri (Canvas's full-window launch adds one)
 *   to hand back after the launch; microcred never reads it (its guard consumes its own
 *   lti_logins row). Not written, so not looked up at each launch either.
 * - `nonce`: ltijs looks the nonce up, then inserts it (validateNonce, Utils/Auth.js): two round
 *   trips, not atomic, and only for 10 s (its ExpireTime), where a token lives 60. It stays,
 *   as one atomic INSERT … ON CONFLICT DO NOTHING: "seen" exactly when the row was there.
 *   (The guard's single use of the login row is what enforces single use for the whole 10 min.)
 *
 * - `platform` and `platformStatus`: ltijs reads both at every login and every launch (four round
 *   trips). A found record is reused for LTIJS_PLATFORM_CACHE_MS; any write to either table in
 *   this process empties the cache at once. Another process's change (a platform disabled on
 *   another node) reaches ltijs here within those 5 s; the guard reads microcred's own
 *   platforms row (active, client ID, deployments) at every launch, uncached, so a launch is
 *   refused at once either way. A platform not found is not remembered; a platform without a
 *   status row (which ltijs reads as active) is.
 *
 * Keys and access tokens are stored and read as before. The benchmark's bare ltijs keeps
 * ltijs's stock stores.
 */
export function leanLtijsStores(provider: Provider, pool: Pool): void {
  const database = provider.Database as unknown as LtijsDatabase;
  const get = database.Get.bind(database);
  const insert = database.Insert.bind(database);
  const replace = database.Replace.bind(database);
  const modify = database.Modify.bind(database);
  const remove = database.Delete.bind(database);
  const cache = new Map<string, { until: number; value: unknown }>();
  // Bumped by every write: a read that began before one does not cache what it found.
  let generation = 0;
  const forget = (table: string) => {
    if (!CACHED_TABLES.has(table)) return;
    generation++;
    cache.clear();
  };
  database.Replace = async (key, table, ...rest) => {
    if (table === 'idtoken' || table === 'contexttoken') return true;
    forget(table);
    return replace(key, table, ...rest).finally(() => forget(table));
  };
  database.Insert = async (key, table, ...rest) => {
    if (table === 'state' || table === 'nonce') return true;
    forget(table);
    return insert(key, table, ...rest).finally(() => forget(table));
  };
  database.Modify = async (key, table, ...rest) => {
    forget(table);
    return modify(key, table, ...rest).finally(() => forget(table));
  };
  database.Delete = async (table, ...rest) => {
    forget(table);
    return remove(table, ...rest).finally(() => forget(table));
  };
  database.Get = async (key, table, info) => {
    if (CACHED_TABLES.has(table) && !key) {
      const id = `${table} ${JSON.stringify(info ?? null)}`;
      const hit = cache.get(id);
      if (hit && hit.until > Date.now()) return structuredClone(hit.value);
      const before = generation;
      const value = await get(key, table, info);
      // No status row means active (Platform.platformActive), so that answer is kept too; a
      // platform not found is not (no entry per unknown issuer).
      if ((value || table === 'platformStatus') && generation === before)
        cache.set(id, { until: Date.now() + LTIJS_PLATFORM_CACHE_MS, value: structuredClone(value) });
      return value;
    }
    if (table === 'state') return false;
    if (table === 'nonce') {
      const { rowCount } = await pool.query(
        `INSERT INTO ${LTIJS_SCHEMA}.nonces (nonce, "createdAt", "updatedAt") VALUES ($1, now(), now()) ON CONFLICT (nonce) DO NOTHING`,
        [String(info?.nonce)],
      );
      // ltijs refuses the token when Get finds the nonce; it was recorded just now otherwise.
      return rowCount === 1 ? false : [{ nonce: info?.nonce }];
    }
    return get(key, table, info);
  };
}

/**
 * ltijs on ltijs-sequelize in `schema` of the database, with microcred's settings. Also used
 * by the launch benchmark's bare ltijs (bench/bareLtijs.ts), so both are configured alike.
 */
export async function setupLtijs(databaseUrl: string, encryptionKey: string, schema: string): Promise<Provider> {
  const u = new URL(databaseUrl);
  const plugin = new Sequelize(decodeURIComponent(u.pathname.slice(1)), decodeURIComponent(u.username), decodeURIComponent(u.password), {
    host: u.hostname,
    port: Number(u.port || 5432),
    dialect: 'postgres',
    logging: false,
    pool: { max: 5 },
    dialectOptions: { options: `-c search_path=${schema}` },
    define: { schema },
  });
  lti.setup(
    encryptionKey,
    { plugin },
    {
      appRoute: LTI_ROUTES.launch,
      loginRoute: LTI_ROUTES.login,
      keysetRoute: LTI_ROUTES.keys,
      dynRegRoute: LTI_ROUTES.register,
      cookies: { secure: true, sameSite: 'None' },
      tokenMaxAge: ID_TOKEN_CLOCK_SKEW_SECONDS,
      cors: false,
      ltiaas: true,
      // No dynReg: our own handler (src/admin/dynamicRegistrationPages.ts) serves /lti/register.
    },
  );
  // ltijs-sequelize reports its migrations with console.info; keep stdout to our JSON logs.
  const info = console.info;
  console.info = () => undefined;
  try {
    await lti.Database.setup();
  } finally {
    console.info = info;
  }
  return lti;
}
