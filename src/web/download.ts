// Files the browser saves rather than shows: one way to send them, never cached.
import type { Response } from 'express';

/** Sends a CSV download with a file name that says what and when. */
export function sendCsv(res: Response, name: string, body: string) {
  res.set('content-type', 'text/csv; charset=utf-8');
  res.set('content-disposition', `attachment; filename="${name}-${new Date().toISOString().slice(0, 10)}.csv"`);
  res.set('cache-control', 'no-store');
  res.send(body);
}
