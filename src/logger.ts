import pino from 'pino';

/**
 * JSON lines on stdout. Written asynchronously (sonic-boom, sync: false): the write to stdout
 * happens in libuv's thread pool, not on the event loop, so a request no longer waits for its
 * log lines to reach the pipe (about a third of a millisecond each on the 2-core machine; three
 * requests and four lines per launch). pino flushes what is still buffered synchronously on
 * exit (process.exit() and an uncaught exception included); only a SIGKILL or a native crash
 * loses the last lines.
 */
export function createLogger(level: string) {
  return pino({ level, base: { app: 'microcred' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 1, sync: false }));
}
