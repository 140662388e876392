// A form refused before anything was done, for a reason that is not what was typed (its token
// is stale, the admin was signed out, the launch ended), or for input no route can act on (a
// hidden field emptied, a character that cannot be stored), loses nothing: the error page gives
// back everything the form sent, and where sending it again can work, a form that re-posts it
// to the same address with a fresh token, on the person's click. One mechanism for every form
// route, launch pages and admin console alike (docs/decisions/0003).
//
// Only a form this site's own page sent is given back: the browser says so in Sec-Fetch-Site.
// A form another site forged is neither shown back nor armed with a valid token, so the page
// cannot turn a cross-site request into a one-click one. Passwords are never echoed, and
// files are not kept: the page asks for them again.
import express, { type Request, type Response } from 'express';
import multer from 'multer';

export interface RecoveredForm {
  /** Where the form posted: a path on this site. */
  action: string;
  multipart: boolean;
  /** Whether sending it again to `action` can work ('resend'), or the page only shows what was typed ('copy'). */
  mode: 'resend' | 'copy';
  /** What the person should do, as the code that refused it decides (common.formRecovery.<intro>). */
  intro: string;
  fields: { name: string; value: string }[];
  /** Secret fields sent (passwords), by name: asked for again, never shown. */
  secrets: string[];
  /** Files chosen, by field: they must be chosen again. */
  files: { field: string; filename: string }[];
}

/** The refusals that leave a form untouched, and what the page can offer for each. */
const RECOVERABLE: Record<string, { mode: RecoveredForm['mode']; intro: string }> = {
  CSRF_TOKEN_INVALID: { mode: 'resend', intro: 'resend' },
  NOT_SIGNED_IN: { mode: 'resend', intro: 'signInFirst' },
  LAUNCH_SESSION_INVALID: { mode: 'copy', intro: 'copy' },
  // Input no route could act on (src/web/input.ts, src/ids.ts, src/forms.ts): sent
  // again unchanged it would be refused again, so the page shows it to copy.
  FORM_VERSION_MISSING: { mode: 'copy', intro: 'fix' },
  TEXT_UNSTORABLE: { mode: 'copy', intro: 'fix' },
  FORM_INVALID: { mode: 'copy', intro: 'fix' },
};

/** Field names that hold secrets; the admin console's password and its confirmation. */
const SECRET_FIELD = /pass(word|phrase)|secret|^confirm$/i;
const NEVER_SHOWN = new Set(['_csrf']);

// The largest form bodies any route accepts (the learner's evidence page: 1 MB).
const readUrlencoded = express.urlencoded({ extended: false, limit: '1mb' });
const LIMITS = { fields: 200, fieldSize: 1024 * 1024, files: 10 };

/**
 * The form a refused POST sent, if the refusal is one that leaves it untouched and this site's
 * page sent it; undefined otherwise (the plain error page).
 */
export async function recoverForm(req: Request, res: Response, code: string): Promise<RecoveredForm | undefined> {
  const kind = RECOVERABLE[code];
  if (!kind || req.method !== 'POST' || req.get('sec-fetch-site') !== 'same-origin') return undefined;
  const multipart = Boolean(req.is('multipart/form-data'));
  if (!multipart && !req.is('application/x-www-form-urlencoded')) return undefined;
  // A path on this site only (never "//host/…", which a browser reads as another site).
  if (!/^\/(?![/\\])/.test(req.originalUrl)) return undefined;

  const files: RecoveredForm['files'] = [];
  // Refused before the route read its body (the launch had ended): read it here. Files are
  // drained, never stored.
  if (!req.readableEnded) {
    const parse = multipart
      ? multer({
          storage: multer.memoryStorage(),
          limits: LIMITS,
          fileFilter: (_r, f, cb) => (files.push({ field: f.fieldname, filename: f.originalname }), cb(null, false)),
        }).any()
      : readUrlencoded;
    const ok = await new Promise<boolean>((resolve) => parse(req, res, (err?: unknown) => resolve(!err)));
    if (!ok) return undefined;
  }
  const chosen = [req.file, ...(Array.isArray(req.files) ? req.files : Object.values(req.files ?? {}).flat())];
  for (const f of chosen) if (f) files.push({ field: f.fieldname, filename: f.originalname });

  const fields: RecoveredForm['fields'] = [];
  const secrets: string[] = [];
  for (const { name, value } of formEntries(req.body, multipart)) {
    if (NEVER_SHOWN.has(name)) continue;
    if (SECRET_FIELD.test(name)) {
      if (!secrets.includes(name)) secrets.push(name);
    } else fields.push({ name, value });
  }
  return { action: req.originalUrl, multipart, mode: kind.mode, intro: kind.intro, fields, secrets, files };
}

/**
 * The body back as the name/value pairs a form sends. A urlencoded body (not extended) has
 * repeated names as arrays; a multipart one (multer) nests `a[b]` and `a[]` names, so those
 * are written back as bracket paths, which multer reads into the same shape.
 */
export function formEntries(body: unknown, multipart: boolean): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  const walk = (value: unknown, name: string) => {
    if (typeof value === 'string') out.push({ name, value });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, multipart ? `${name}[${i}]` : name));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${name}[${k}]`);
  };
  if (body && typeof body === 'object') for (const [k, v] of Object.entries(body)) walk(v, k);
  return out;
}
