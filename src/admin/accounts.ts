// Admin accounts and the one-time set-up link that creates the first one.
import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { and, count, eq, gt, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/database';
import { adminSetupTokens, adminUsers } from '../db/schema';
import { AppError } from '../errors';
import { formErrors } from '../forms';
import { judgePassword, WEAK_PASSWORD_MESSAGE } from './passwordStrength';

const SETUP_TTL_MS = 24 * 60 * 60 * 1000;
/** Arbitrary constant naming the advisory lock that serialises first-admin creation. */
const SETUP_LOCK_KEY = 7_301_001;
const tokenHash = (t: string) => createHash('sha256').update(t).digest('hex');

const newAdminSchema = z
  .object({
    email: z.string().trim().toLowerCase().email('Enter a valid email address'),
    password: z.string().min(12, 'Use at least 12 characters').max(1024),
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords differ' });

export type NewAdminCheck =
  | { ok: true; value: z.output<typeof newAdminSchema> }
  /** `passwordAdvice`: interface-string keys saying why the password is weak and what to change. */
  | { ok: false; errors: Record<string, string>; passwordAdvice: string[] };

/**
 * The first-admin form: its fields' rules, then how guessable the password is, judged with
 * the email typed beside it (a password built from it is refused). All problems at once.
 */
export function checkNewAdmin(body: Record<string, unknown>): NewAdminCheck {
  const parsed = newAdminSchema.safeParse(body);
  const errors = parsed.success ? {} : formErrors(parsed.error);
  let passwordAdvice: string[] = [];
  if (!errors.password && typeof body.password === 'string') {
    const verdict = judgePassword(body.password, typeof body.email === 'string' ? body.email : '');
    if (!verdict.acceptable) {
      errors.password = WEAK_PASSWORD_MESSAGE;
      passwordAdvice = verdict.advice;
    }
  }
  if (parsed.success && Object.keys(errors).length === 0) return { ok: true, value: parsed.data };
  return { ok: false, errors, passwordAdvice };
}

/**
 * The one way an administrator's password is stored: whoever calls (the set-up form, a
 * later change or reset, a script), a short or guessable one is refused.
 */
async function hashAdminPassword(email: string, password: string): Promise<string> {
  if (password.length < 12 || !judgePassword(password, email).acceptable) {
    throw new AppError(WEAK_PASSWORD_MESSAGE, 422, 'WEAK_PASSWORD', 'Use at least 12 characters: several uncommon words, not your email address.');
  }
  return argon2.hash(password, { type: argon2.argon2id });
}

export class AdminAccounts {
  constructor(private readonly db: Db) {}

  async adminCount(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(adminUsers);
    return row.n;
  }

  /** A fresh set-up token while no admin exists; undefined once one does. */
  async issueSetupToken(): Promise<string | undefined> {
    if ((await this.adminCount()) > 0) return undefined;
    const token = randomBytes(24).toString('base64url');
    await this.db.insert(adminSetupTokens).values({ tokenHash: tokenHash(token), expiresAt: new Date(Date.now() + SETUP_TTL_MS) });
    return token;
  }

  async setupTokenValid(token: string): Promise<boolean> {
    const [row] = await this.db
      .select()
      .from(adminSetupTokens)
      .where(and(eq(adminSetupTokens.tokenHash, tokenHash(token)), isNull(adminSetupTokens.usedAt), gt(adminSetupTokens.expiresAt, new Date())));
    return Boolean(row) && (await this.adminCount()) === 0;
  }

  /**
   * Uses the token and creates the first admin in one transaction: two browsers
   * submitting the same link at once get one admin, and the loser a clear error.
   */
  async createFirstAdmin(token: string, email: string, password: string): Promise<number | undefined> {
    const passwordHash = await hashAdminPassword(email, password);
    return this.db.transaction(async (tx) => {
      // One set-up at a time: two links used at once would otherwise lock each other's
      // token rows in opposite order (a deadlock, and a 500 for one of them).
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${SETUP_LOCK_KEY})`);
      const used = await tx
        .update(adminSetupTokens)
        .set({ usedAt: new Date() })
        .where(and(eq(adminSetupTokens.tokenHash, tokenHash(token)), isNull(adminSetupTokens.usedAt), gt(adminSetupTokens.expiresAt, new Date())))
        .returning();
      if (used.length === 0) return undefined;
      // Every other outstanding link dies with this one.
      await tx.update(adminSetupTokens).set({ usedAt: new Date() }).where(isNull(adminSetupTokens.usedAt));
      const [{ n }] = await tx.select({ n: count() }).from(adminUsers);
      if (n > 0) return undefined;
      const [row] = await tx.insert(adminUsers).values({ email, passwordHash }).returning({ id: adminUsers.id });
      return row.id;
    });
  }

  async verify(email: string, password: string): Promise<{ id: number; email: string } | undefined> {
    const [row] = await this.db.select().from(adminUsers).where(eq(adminUsers.email, email.trim().toLowerCase()));
    // Hash anyway when the account is unknown, so timing does not reveal which emails exist.
    const ok = row ? await argon2.verify(row.passwordHash, password) : (await argon2.hash(password), false);
    if (!row || !ok) return undefined;
    await this.db.update(adminUsers).set({ lastLoginAt: new Date() }).where(eq(adminUsers.id, row.id));
    return { id: row.id, email: row.email };
  }

  async byId(id: number): Promise<{ id: number; email: string } | undefined> {
    const [row] = await this.db.select({ id: adminUsers.id, email: adminUsers.email }).from(adminUsers).where(eq(adminUsers.id, id));
    return row;
  }
}
