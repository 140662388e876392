// express 4 ignores what a handler returns. An async handler whose promise rejects outside its
// own try/catch (`return render(…)` without await is enough) leaves the request unanswered, and
// the unhandled rejection ends the Node process: one malformed request stops the server for
// everyone. express 5 passes such a rejection to next(); this gives express 4 that rule, for every
// route, middleware and error handler at once (ours and ltijs's, which share this express).
// Remove it when moving to express 5.
import type { NextFunction, Request, Response } from 'express';

interface Layer {
  handle: (...args: unknown[]) => unknown;
  handle_request(req: Request, res: Response, next: NextFunction): void;
  handle_error(error: unknown, req: Request, res: Response, next: NextFunction): void;
}

// express's own router layer (express/lib/router/layer.js, 4.x): not part of its typings.
const LayerClass = require('express/lib/router/layer') as { prototype: Layer & { forwardsRejections?: boolean } };

/** A rejection of what `fn` returned goes to `next`, like a throw does. */
function forward(result: unknown, next: NextFunction) {
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(undefined, (err: unknown) => next(err ?? new Error('a request handler rejected without a reason')));
  }
}

export function forwardAsyncRejections(): void {
  const proto = LayerClass.prototype;
  if (proto.forwardsRejections) return;
  // The same checks as express 4.22's Layer.handle_request and Layer.handle_error, plus forward().
  proto.handle_request = function handleRequest(this: Layer, req, res, next) {
    const fn = this.handle;
    if (fn.length > 3) return next();
    try {
      forward(fn(req, res, next), next);
    } catch (err) {
      next(err);
    }
  };
  proto.handle_error = function handleError(this: Layer, error, req, res, next) {
    const fn = this.handle;
    if (fn.length !== 4) return next(error);
    try {
      forward(fn(error, req, res, next), next);
    } catch (err) {
      next(err);
    }
  };
  proto.forwardsRejections = true;
}
