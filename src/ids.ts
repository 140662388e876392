// Numbers that name database rows, and the version counters of optimistic locking, wherever
// they arrive: a route parameter, a form field, a query parameter or JSON. One rule for all:
// a whole number written in digits, from 1 to the largest value of PostgreSQL's integer
// columns. "", "abc", NaN, -1, 1.5, 1e3 or 2^31 is then the sender's mistake, answered with a
// 4xx that says so, never a database error (a 500).
import { z } from 'zod';

/** The largest value of a PostgreSQL integer (serial) column. */
export const MAX_ID = 2_147_483_647;

/** The number `value` names under the rule above, or undefined (also for repeated fields, which arrive as arrays). */
export function parseId(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_ID ? n : undefined;
}

/** The same rule inside a zod schema, with the form's own message. */
export const idSchema = (message: string) =>
  z.union([z.string(), z.number()], { error: message }).transform((value, ctx) => {
    const n = parseId(value);
    if (n === undefined) ctx.addIssue({ code: 'custom', message });
    return n ?? 0;
  });
