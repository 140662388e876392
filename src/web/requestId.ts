// The id that ties a request's log lines to the reference on its error page. A proxy's
// X-Request-Id is kept, so one id follows the request through the proxy's log and ours, but
// the header is the client's to write: only a short token of characters that are safe in a
// log line, a page and a support email is taken. Anything else (markup, 10 KB, line breaks,
// two headers joined with a comma) gets a fresh id.
import { randomUUID } from 'node:crypto';

/** UUIDs, hex trace ids and the like; 64 characters is ample for any proxy's format. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}
