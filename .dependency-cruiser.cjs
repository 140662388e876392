// Import rules for src/, checked by `npm run lint` (so by `npm test`): no import cycles, no
// capability reaching into another's pages, and stores and domain modules free of the web layer.
// Only the composition root and the web shell mount pages. See docs/architecture.md.
const CAPS = '(admin|assessment|badges|credentials|edc|grades|issuer|jobs|lti|mail|net|pathways|qa|wallets)';
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: move the shared piece down into a module both can import.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-other-capability-pages',
      severity: 'error',
      comment: "A capability uses another's stores and domain modules, never its pages.",
      from: { path: `^src/${CAPS}/` },
      to: { path: `^src/${CAPS}/[^/]*Pages\\.ts$`, pathNot: '^src/$1/' },
    },
    {
      name: 'domain-free-of-web',
      severity: 'error',
      comment: 'Stores and domain modules know nothing of express or pages: only *Pages.ts files import src/web/.',
      from: { path: `^src/${CAPS}/`, pathNot: 'Pages\\.ts$' },
      to: { path: '^src/web/' },
    },
    {
      name: 'domain-free-of-express',
      severity: 'error',
      comment: 'Stores and domain modules take plain values, not requests: only *Pages.ts files use express and its middleware.',
      from: { path: `^src/${CAPS}/`, pathNot: 'Pages\\.ts$' },
      to: { path: '^node_modules/(express|multer|cookie-parser|passport|passport-local|express-session)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench)/' },
  },
};
