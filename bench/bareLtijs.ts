// The baseline for bench/launch.ts: ltijs 5.9.9 alone, configured as microcred configures
// it (src/lti/provider.ts: ltijs-sequelize on the same PostgreSQL database, serverless,
// mounted under /lti, ltiaas mode, secure SameSite=None cookies, tokenMaxAge 60, CORS off),
// with an onConnect that only answers 200. Its tables live in their own schema so they
// cannot collide with the tool's "ltijs" schema. It keeps ltijs's stock stores: the tool's
// leanLtijsStores (src/lti/provider.ts, decision 0021) is microcred's, not ltijs's.
// ltijs is one per process, so this runs as a child process:
//   DATABASE_URL=… PORT=… ENCRYPTION_KEY=… BARE_PLATFORM='{"issuer":…}' node --import tsx bench/bareLtijs.ts
import express from 'express';
import { setupLtijs } from '../src/lti/provider';
import pg from 'pg';

export const BARE_SCHEMA = 'ltijs_bare';

interface PlatformRegistration {
  name: string;
  issuer: string;
  clientId: string;
  authLoginUrl: string;
  accessTokenUrl: string;
  jwksUrl: string;
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL;
  const port = Number(process.env.PORT);
  const key = process.env.ENCRYPTION_KEY;
  const platform = JSON.parse(process.env.BARE_PLATFORM ?? 'null') as PlatformRegistration | null;
  if (!databaseUrl || !port || !key || !platform) throw new Error('DATABASE_URL, PORT, ENCRYPTION_KEY and BARE_PLATFORM are required');

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${BARE_SCHEMA}`);
  // ltijs-sequelize's one migration adds a column to "platforms" without its schema, i.e. to
  // public.platforms (microcred's own table), which the tool's ltijs already did. Its models
  // are created by sync() anyway, so mark it done here, as it is in the tool's "ltijs" schema.
  await client.query(`CREATE TABLE IF NOT EXISTS ${BARE_SCHEMA}."SequelizeMeta" (name VARCHAR(255) NOT NULL PRIMARY KEY)`);
  await client.query(`INSERT INTO ${BARE_SCHEMA}."SequelizeMeta" (name) VALUES ('00_addAuthorizationServer.js') ON CONFLICT DO NOTHING`);
  await client.end();

  // Same plugin and options as createLtiProvider, only the schema differs.
  const lti = await setupLtijs(databaseUrl, key, BARE_SCHEMA);
  await lti.registerPlatform({
    url: platform.issuer,
    name: platform.name,
    clientId: platform.clientId,
    authenticationEndpoint: platform.authLoginUrl,
    accesstokenEndpoint: platform.accessTokenUrl,
    authConfig: { method: 'JWK_SET', key: platform.jwksUrl },
  });
  lti.onConnect((_token, _req, res) => {
    res.status(200).type('text/plain').send('ok');
  });

  const app = express();
  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  app.use('/lti', lti.app);
  const server = app.listen(port);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const stop = () => {
    server.close();
    lti.close({ silent: true }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
