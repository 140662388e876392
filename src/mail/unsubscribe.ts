// The one-click unsubscribe link in learners' mail: it names the learner and carries an HMAC
// of that id under ENCRYPTION_KEY, so only a link we sent can opt a learner out, and the
// learner needs no session (the mail is read outside the LMS). Pure: no express, no SQL.
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (key: Buffer, learnerId: number) => createHmac('sha256', key).update(`microcred-unsubscribe:${learnerId}`).digest('base64url');

/** "<learnerId>.<mac>": the token of the learner's unsubscribe address. */
export function unsubscribeToken(key: Buffer, learnerId: number): string {
  return `${learnerId}.${mac(key, learnerId)}`;
}

/** The learner a token names, or undefined when it is not one we made. */
export function learnerOfToken(key: Buffer, token: string): number | undefined {
  const m = /^(\d{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return undefined;
  const learnerId = Number(m[1]);
  const expected = Buffer.from(mac(key, learnerId));
  const given = Buffer.from(m[2]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? learnerId : undefined;
}
