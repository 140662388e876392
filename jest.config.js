/** Tests run on the real PostgreSQL that scripts/test.mjs starts (see README). */

// ESM-only packages that src/badges loads with require(). Jest's module system is CommonJS,
// so these are transpiled to CommonJS by ts-jest (allowJs, transpile only) instead of being
// ignored like the rest of node_modules. See docs/decisions/0004-ob3-verification-and-offline-contexts.md.
const esmPackages = [
  '@digitalbazaar',
  'base58-universal',
  'base64url-universal',
  'crypto-ld',
  '@openid4vc',
  // rdf-validate-shacl and its RDF/JS stack (src/edc/shacl.ts)
  'rdf-validate-shacl',
  'rdf-validate-datatype',
  '@rdfjs',
  '@vocabulary',
  'clownface',
  '@tpluscode',
  '@zazuko',
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+/node_modules/.+\\.m?js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  testTimeout: 60000,
  maxWorkers: 2,
};
