// ejs with one layout: a view renders its body, then views/layout.ejs wraps it.
// ejs escapes <%= %> output; views never use <%- %> for user data.
import path from 'node:path';
import ejs from 'ejs';
import type { Express } from 'express';

export const VIEWS_DIR = path.resolve(__dirname, '..', '..', 'views');

export function useViews(app: Express) {
  const viewsDir = findViewsDir();
  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  app.engine('ejs', (file: string, options: object, cb: (e: unknown, html?: string) => void) => {
    const opts = { cache: app.get('env') === 'production', views: [viewsDir] };
    ejs.renderFile(file, options as Record<string, unknown>, opts).then(
      (body) => {
        const locals = options as Record<string, unknown>;
        if (locals.layout === false) return cb(null, body);
        ejs.renderFile(path.join(viewsDir, 'layout.ejs'), { ...locals, body }, opts).then((html) => cb(null, html), cb);
      },
      cb,
    );
  });
}

/** Works from src/ (ts-jest) and from dist/src/ (compiled). */
function findViewsDir(): string {
  const fs = require('node:fs') as typeof import('node:fs');
  for (const candidate of [VIEWS_DIR, path.resolve(__dirname, '..', '..', '..', 'views')]) {
    if (fs.existsSync(path.join(candidate, 'layout.ejs'))) return candidate;
  }
  throw new Error('views/ folder not found');
}
