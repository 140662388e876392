// Import rules for src/, checked by `npm run lint` (so by `npm test`): no import cycles, no
// capability reaching into another's pages, and stores and domain modules free of the web layer.
// Only the composition root and the web shell mount pages. See docs/architecture.md.
const CAPS = '(admin|assessment|badges|credentials|grades|issuer|jobs|lti|net|qa|wallets)';
/**
 * Modules outside *Pages.ts that still import src/web/ (issue 14 left them): each should lose
 * the import, not join this list. validation and accounts use web/forms and web/params (form
 * parsing that belongs beside the domain); qualityReport takes i18n's Translate type; the LTI
 * launch handlers (lti/launch) and the dynamic registration handler are pages in all but name.
 */
const KNOWN_WEB_IMPORTERS = [
  '^src/credentials/validation\\.ts$',
  '^src/admin/accounts\\.ts$',
  '^src/qa/qualityReport\\.ts$',
  '^src/lti/launch\\.ts$',
  '^src/admin/dynamicRegistration\\.ts$',
];
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
      from: { path: `^src/${CAPS}/`, pathNot: ['Pages\\.ts$', ...KNOWN_WEB_IMPORTERS] },
      to: { path: '^src/web/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench)/' },
  },
};
