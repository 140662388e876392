// The institution's issuer profile (name, web address, contact, country/region).
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { InstitutionIssuerProfile } from '../credentials/model';
import type { Db } from '../db/database';
import { issuerProfile } from '../db/schema';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const issuerProfileSchema = z.object({
  name: z.string().trim().min(1, 'Give the institution’s legal name.').max(300, 'Keep the name to 300 characters or fewer.'),
  url: z.preprocess(blankToUndefined, z.url({ message: 'Enter the full web address, e.g. https://www.uni.example' }).optional()),
  email: z.preprocess(blankToUndefined, z.email({ message: 'Enter a valid email address.' }).optional()),
  countryCode: z
    .string()
    .trim()
    .transform((c) => c.toUpperCase())
    .refine((c) => /^[A-Z]{2}$/.test(c), 'Give the two-letter country code, e.g. NL.'),
  region: z.preprocess(blankToUndefined, z.string().trim().max(200, 'Keep the region to 200 characters or fewer.').optional()),
});
export type IssuerProfileInput = z.infer<typeof issuerProfileSchema>;

export class IssuerProfileStore {
  constructor(private readonly db: Db) {}

  async get(): Promise<IssuerProfileInput | undefined> {
    const [row] = await this.db.select().from(issuerProfile).where(eq(issuerProfile.id, 1));
    if (!row) return undefined;
    return { name: row.name, url: row.url ?? undefined, email: row.email ?? undefined, countryCode: row.countryCode, region: row.region ?? undefined };
  }

  async save(input: IssuerProfileInput): Promise<void> {
    const values = { name: input.name, url: input.url ?? null, email: input.email ?? null, countryCode: input.countryCode, region: input.region ?? null, updatedAt: new Date() };
    await this.db.insert(issuerProfile).values({ id: 1, ...values }).onConflictDoUpdate({ target: issuerProfile.id, set: values });
  }

  /** The profile as credential design needs it for defaults; its Profile URL is stable. */
  async forCredentials(publicUrl: string): Promise<InstitutionIssuerProfile | undefined> {
    const p = await this.get();
    return p && { id: `${publicUrl}/issuer`, name: p.name, url: p.url, countryCode: p.countryCode, region: p.region };
  }
}
