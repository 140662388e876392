// The registry of LMS platforms. Our `platforms` table is the source of truth (it also
// holds deployment ids and the enabled flag, which ltijs lacks); ltijs's own platform
// record, which carries its signing key pair, is kept in step inside the same operation.
import { and, asc, eq } from 'drizzle-orm';
import type { Provider } from 'ltijs';
import { z } from 'zod';
import type { Db } from '../db/database';
import { platformDeployments, platformOrigins, platforms } from '../db/schema';
import { ConflictError, NotFoundError } from '../errors';

export const LMS_FAMILIES = ['moodle', 'canvas', 'brightspace', 'other'] as const;

const URL_MESSAGE = 'Enter a full URL, such as https://lms.example.edu/…';
const httpsUrl = z
  .string()
  .trim()
  .url({ message: URL_MESSAGE })
  .refine((u) => /^https?:\/\//.test(u), { message: URL_MESSAGE });

export const platformInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the platform a name people recognise, e.g. "Moodle (production)"').max(200),
  issuer: httpsUrl,
  clientId: z.string().trim().min(1, 'The client ID is shown by the LMS when you add the tool').max(500),
  authLoginUrl: httpsUrl,
  accessTokenUrl: httpsUrl,
  jwksUrl: httpsUrl,
  lmsFamily: z.enum(LMS_FAMILIES).default('other'),
  deploymentIds: z
    .string()
    .default('')
    .transform((s) => [
      ...new Set(
        s
          .split(/[\s,]+/)
          .map((d) => d.trim())
          .filter(Boolean),
      ),
    ])
    .refine((d) => d.length > 0, { message: 'Add at least one deployment ID; launches from other deployments are refused' }),
});
export type PlatformInput = z.infer<typeof platformInputSchema>;

export interface PlatformView {
  id: number;
  name: string;
  issuer: string;
  clientId: string;
  authLoginUrl: string;
  accessTokenUrl: string;
  jwksUrl: string;
  lmsFamily: string;
  active: boolean;
  registeredVia: string;
  deploymentIds: string[];
}

export class PlatformRegistry {
  /** "platformId origin" pairs already stored: launches after the first skip the insert. */
  private readonly knownOrigins = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly lti: Provider,
    /** Called after any change, e.g. to refresh the frame-ancestors allow-list. */
    private readonly onChange: () => Promise<void> = async () => undefined,
  ) {}

  async list(): Promise<PlatformView[]> {
    const rows = await this.db.select().from(platforms).orderBy(asc(platforms.name));
    const deps = await this.db.select().from(platformDeployments);
    return rows.map((p) => ({ ...p, deploymentIds: deps.filter((d) => d.platformId === p.id).map((d) => d.deploymentId) }));
  }

  async get(id: number): Promise<PlatformView> {
    const [p] = await this.db.select().from(platforms).where(eq(platforms.id, id));
    if (!p) throw new NotFoundError('That platform is not registered (it may have been deleted).');
    const deps = await this.db.select().from(platformDeployments).where(eq(platformDeployments.platformId, id));
    return { ...p, deploymentIds: deps.map((d) => d.deploymentId) };
  }

  async findByIssuerAndClient(issuer: string, clientId: string) {
    const [p] = await this.db
      .select()
      .from(platforms)
      .where(and(eq(platforms.issuer, issuer), eq(platforms.clientId, clientId)));
    return p;
  }

  async hasDeployment(platformId: number, deploymentId: string): Promise<boolean> {
    const [d] = await this.db
      .select()
      .from(platformDeployments)
      .where(and(eq(platformDeployments.platformId, platformId), eq(platformDeployments.deploymentId, deploymentId)));
    return Boolean(d);
  }

  async create(input: PlatformInput, registeredVia: 'manual' | 'dynamic' = 'manual'): Promise<number> {
    const id = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(platforms)
        .values({ ...input, registeredVia })
        .onConflictDoNothing()
        .returning({ id: platforms.id });
      if (!row) {
        throw new ConflictError(
          'A platform with this issuer and client ID is already registered.',
          'PLATFORM_EXISTS',
          'Edit the existing platform instead, e.g. to add a deployment ID.',
        );
      }
      // None yet when the LMS gives its deployment ID only once the tool is installed there (Canvas).
      if (input.deploymentIds.length)
        await tx.insert(platformDeployments).values(input.deploymentIds.map((deploymentId) => ({ platformId: row.id, deploymentId })));
      await this.syncLtijs(input);
      return row.id;
    });
    await this.onChange();
    return id;
  }

  async update(id: number, input: PlatformInput): Promise<void> {
    const before = await this.get(id);
    await this.db.transaction(async (tx) => {
      const updated = await tx
        .update(platforms)
        .set({ ...input, updatedAt: new Date() })
        .where(eq(platforms.id, id))
        .returning({ id: platforms.id })
        .catch((e: { code?: string }) => {
          if (e.code === '23505') throw new ConflictError('Another platform already uses this issuer and client ID.', 'PLATFORM_EXISTS');
          throw e;
        });
      if (updated.length === 0) throw new NotFoundError('That platform is not registered (it may have been deleted).');
      await tx.delete(platformDeployments).where(eq(platformDeployments.platformId, id));
      await tx.insert(platformDeployments).values(input.deploymentIds.map((deploymentId) => ({ platformId: id, deploymentId })));
      if (before.issuer !== input.issuer || before.clientId !== input.clientId) {
        await this.lti.deletePlatform(before.issuer, before.clientId);
      }
      await this.syncLtijs(input);
    });
    await this.onChange();
  }

  async setActive(id: number, active: boolean): Promise<void> {
    const p = await this.get(id);
    await this.db.update(platforms).set({ active, updatedAt: new Date() }).where(eq(platforms.id, id));
    const ltiPlatform = await this.lti.getPlatform(p.issuer, p.clientId);
    if (ltiPlatform) await ltiPlatform.platformActive(active);
    await this.onChange();
  }

  async remove(id: number): Promise<void> {
    const p = await this.get(id);
    await this.db.transaction(async (tx) => {
      await tx.delete(platforms).where(eq(platforms.id, id));
      await this.lti.deletePlatform(p.issuer, p.clientId);
    });
    await this.onChange();
  }

  /**
   * Remembers web origins a platform's signed launch names (return URL, platform URL).
   * Returns true when one was new, so the frame-ancestors list is refreshed only then.
   */
  async learnOrigins(platformId: number, urls: unknown[]): Promise<boolean> {
    const origins = new Set<string>();
    for (const u of urls) {
      if (typeof u !== 'string') continue;
      try {
        const url = new URL(u);
        if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
      } catch {
        /* not a URL: nothing to learn */
      }
    }
    for (const o of [...origins]) if (this.knownOrigins.has(`${platformId} ${o}`)) origins.delete(o);
    if (origins.size === 0) return false;
    const added = await this.db
      .insert(platformOrigins)
      .values([...origins].map((origin) => ({ platformId, origin })))
      .onConflictDoNothing()
      .returning({ origin: platformOrigins.origin });
    for (const o of origins) this.knownOrigins.add(`${platformId} ${o}`);
    if (added.length > 0) await this.onChange();
    return added.length > 0;
  }

  /** Origins of active platforms: the pages allowed to frame the tool. */
  async frameOrigins(): Promise<string[]> {
    const rows = await this.db.select({ issuer: platforms.issuer, login: platforms.authLoginUrl }).from(platforms).where(eq(platforms.active, true));
    const learned = await this.db
      .select({ origin: platformOrigins.origin })
      .from(platformOrigins)
      .innerJoin(platforms, eq(platforms.id, platformOrigins.platformId))
      .where(eq(platforms.active, true));
    const origins = new Set<string>(learned.map((l) => l.origin));
    for (const r of rows) {
      for (const u of [r.issuer, r.login]) {
        try {
          origins.add(new URL(u).origin);
        } catch {
          /* validated on write; ignore legacy junk */
        }
      }
    }
    return [...origins];
  }

  private async syncLtijs(input: PlatformInput) {
    await this.lti.registerPlatform({
      url: input.issuer,
      name: input.name,
      clientId: input.clientId,
      authenticationEndpoint: input.authLoginUrl,
      accesstokenEndpoint: input.accessTokenUrl,
      authConfig: { method: 'JWK_SET', key: input.jwksUrl },
    });
  }
}
