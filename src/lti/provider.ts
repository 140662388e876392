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
  keepNoLtikSessions(provider);
  return provider;
}

/** ltijs's stores behind an ltik: its launch writes both, only its ltik session check reads them. */
const LTIK_SESSION_STORES = new Set(['idtoken', 'contexttoken']);

/**
 * ltijs stores every launch's token (name, email, roles, context) in its `idtoken` and
 * `contexttoken` tables, a DELETE and an INSERT each, for its ltik sessions. microcred never
 * accepts an ltik (the gate in src/web/app.ts: no ltijs route reads them) and keeps what it
 * needs in launch_sessions, so these four round trips per launch only left personal data
 * nobody reads or cleans up. Every other store (platforms, keys, nonces, states, access
 * tokens) is untouched. Decision 0021.
 */
export function keepNoLtikSessions(provider: Provider): void {
  const database = provider.Database as unknown as { Replace: (encryptionKey: unknown, table: string, ...rest: unknown[]) => Promise<boolean> };
  const replace = database.Replace.bind(database);
  database.Replace = async (encryptionKey, table, ...rest) => (LTIK_SESSION_STORES.has(table) ? true : replace(encryptionKey, table, ...rest));
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
