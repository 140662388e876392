// The proof that our patch to jsonld.js (patches/jsonld+<version>.patch, decision 0017) changes
// only its speed: the W3C JSON-LD 1.1 expand and toRdf suites and every credential we issue or
// accept give the same results, byte for byte, with the patched and the published processor.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenBadgeCredential } from '../../src/badges/credentialBuilder';
import { createDocumentLoader } from '../../src/badges/documentLoader';
import { generateKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity } from '../../src/badges/sign';
import { CREDENTIAL_KINDS } from '../badges/credentialKinds';
import { fullBadge, minimalBadge, statusEntry, statusListCredential } from '../badges/fixtures';
import { canonize, type JsonLdProcessor, type JsonLdProcessors, loadJsonLdProcessors } from '../support/jsonldProcessors';

const CONFORMANCE = path.resolve(__dirname, '../../../shared/conformance');
const SUITE = path.join(CONFORMANCE, 'json-ld-api', 'tests');
/** The suite's own base: manifests, inputs and remote contexts live under it. */
const SUITE_BASE = 'https://w3c.github.io/json-ld-api/tests/';

let processors: JsonLdProcessors;
beforeAll(() => {
  processors = loadJsonLdProcessors();
});
afterAll(() => processors?.dispose());

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

interface SuiteTest {
  '@id': string;
  '@type': string[];
  input: string;
  expect?: string;
  expectErrorCode?: string;
  option?: { base?: string; expandContext?: string; processingMode?: string; specVersion?: string; rdfDirection?: string; produceGeneralizedRdf?: boolean };
}

/** Serves the suite's files for their https://w3c.github.io/json-ld-api/tests/ URLs; anything else fails (never the network). */
async function suiteLoader(url: string) {
  const file = url.startsWith(SUITE_BASE) ? path.join(SUITE, url.slice(SUITE_BASE.length).split('#')[0]) : undefined;
  if (!file || !existsSync(file)) throw new Error(`not in the W3C suite: ${url}`);
  const text = readFileSync(file, 'utf8');
  return { contextUrl: null, documentUrl: url, document: file.endsWith('.nq') ? text : JSON.parse(text) };
}

/** The error code jsonld.js reports (JsonLdError details.code), looking through wrapped causes. */
function errorCode(error: unknown): string {
  for (let e = error as { details?: { code?: string; cause?: unknown }; code?: string; cause?: unknown } | undefined; e; ) {
    if (e.details?.code) return e.details.code;
    if (typeof e.code === 'string') return e.code;
    e = (e.details?.cause ?? e.cause) as typeof e;
  }
  return `uncoded: ${String(error)}`;
}

/** Expanded JSON-LD in a canonical order: arrays are unordered except @list values. */
function unordered(value: unknown, inList = false): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => unordered(v));
    return inList ? items : items.map((v) => JSON.stringify(v)).sort();
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, unordered((value as Record<string, unknown>)[k], k === '@list')]),
    );
  }
  return value;
}

interface Outcome {
  /** What the processor produced, exactly: expanded JSON or N-Quads text, or the error code. */
  output: string;
  passed: boolean;
}

async function runTest(jsonld: JsonLdProcessor, kind: 'expand' | 'toRdf', t: SuiteTest): Promise<Outcome> {
  const options: Record<string, unknown> = { documentLoader: suiteLoader, base: t.option?.base ?? SUITE_BASE + t.input };
  if (t.option?.processingMode) options.processingMode = t.option.processingMode;
  if (t.option?.expandContext) options.expandContext = readJson(path.join(SUITE, t.option.expandContext));
  if (t.option?.rdfDirection) options.rdfDirection = t.option.rdfDirection;
  if (t.option?.produceGeneralizedRdf) options.produceGeneralizedRdf = true;
  const negative = t['@type'].includes('jld:NegativeEvaluationTest');
  let output: string;
  try {
    const input = readJson(path.join(SUITE, t.input));
    output =
      kind === 'expand'
        ? JSON.stringify(await jsonld.expand(input, options))
        : String(await jsonld.toRDF(input, { ...options, format: 'application/n-quads' }));
  } catch (error) {
    const code = errorCode(error);
    return { output: `error: ${code}`, passed: negative && code === t.expectErrorCode };
  }
  if (negative) return { output, passed: false };
  if (t['@type'].includes('jld:PositiveSyntaxTest')) return { output, passed: true };
  const expected = readFileSync(path.join(SUITE, t.expect as string), 'utf8');
  if (kind === 'expand') return { output, passed: JSON.stringify(unordered(JSON.parse(output))) === JSON.stringify(unordered(JSON.parse(expected))) };
  return { output, passed: await isomorphic(output, expected) };
}

/** Two N-Quads documents are the same dataset: equal after RDFC-1.0 (blank node labels are arbitrary). */
async function isomorphic(actual: string, expected: string): Promise<boolean> {
  const rdfCanonize = require('rdf-canonize');
  const canon = (nq: string) => rdfCanonize.canonize(rdfCanonize.NQuads.parse(nq), { algorithm: 'RDFC-1.0', format: 'application/n-quads' });
  try {
    return (await canon(actual)) === (await canon(expected));
  } catch {
    return false;
  }
}

describe.each(['expand', 'toRdf'] as const)('W3C JSON-LD 1.1 %s suite', (kind) => {
  const manifest = readJson(path.join(SUITE, `${kind}-manifest.jsonld`)) as { sequence: SuiteTest[] };

  it('the patched processor gives exactly the published one’s results, test by test', async () => {
    const rows: { id: string; applicable: boolean; unpatched: Outcome; patched: Outcome }[] = [];
    for (const t of manifest.sequence) {
      rows.push({
        id: t['@id'],
        // jsonld.js implements JSON-LD 1.1; tests written for 1.0 only are run but not counted.
        applicable: t.option?.specVersion !== 'json-ld-1.0',
        unpatched: await runTest(processors.unpatched, kind, t),
        patched: await runTest(processors.patched, kind, t),
      });
    }
    const passes = (which: 'unpatched' | 'patched') => rows.filter((r) => r.applicable && r[which].passed).map((r) => r.id);
    const applicable = rows.filter((r) => r.applicable).length;
    console.log(
      `W3C ${kind}: ${manifest.sequence.length} tests, ${applicable} for JSON-LD 1.1; passed unpatched ${passes('unpatched').length}, patched ${passes('patched').length}`,
    );
    // Same output (or error code) for every test, so the same pass set.
    expect(rows.filter((r) => r.patched.output !== r.unpatched.output).map((r) => r.id)).toEqual([]);
    expect(passes('patched')).toEqual(passes('unpatched'));
    // The runner itself works: the published processor passes the suite it is known to pass.
    expect(passes('unpatched').length).toBeGreaterThan(applicable * 0.95);
  });
});

describe('credentials canonicalise byte-identically with both processors', () => {
  let key: Ed25519KeyPair;
  beforeAll(async () => {
    key = await generateKeyPair();
  });
  const loader = createDocumentLoader({
    // The CLR 2.0 context, from the conformance copy, for the CLR examples.
    resolve: (url) =>
      url === 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json' ? readJson(path.join(CONFORMANCE, 'clr/clr-v2p0-context-2.0.1.json')) : undefined,
  });
  async function expectSameCanonicalForm(document: unknown) {
    const unpatched = await canonize(processors.unpatched, document, loader);
    const patched = await canonize(processors.patched, document, loader);
    expect(unpatched.length).toBeGreaterThan(0);
    expect(patched).toBe(unpatched);
  }

  it.each(CREDENTIAL_KINDS)('issued: %s (unsigned and signed)', async (_name, make) => {
    const credential = buildOpenBadgeCredential(make(key.controller));
    await expectSameCanonicalForm(credential);
    await expectSameCanonicalForm(await signCredentialDataIntegrity(credential, key));
  });

  it.each(['ob3/full_example.json', 'ob3/minimal_valid.json', 'clr/example_simple.json'])('the conformance example %s', async (file) => {
    await expectSameCanonicalForm(readJson(path.join(CONFORMANCE, file)));
  });

  it('the edubadges example: both refuse it with the same error (its context is not valid JSON-LD)', async () => {
    // See test/badges/verify.test.ts, "cannot be signed as Data Integrity".
    const example = readJson(path.join(CONFORMANCE, 'edubadges/example_microcredential.json'));
    const failure = (jsonld: JsonLdProcessor) =>
      canonize(jsonld, example, loader).then(
        () => 'canonicalised',
        (e: { name?: string; message?: string; details?: { code?: string } }) => `${e.name}: ${e.details?.code}: ${e.message}`,
      );
    const unpatched = await failure(processors.unpatched);
    expect(unpatched).toMatch(/invalid scoped context/);
    expect(await failure(processors.patched)).toBe(unpatched);
  });

  it('the 1EdTech examples as we sign them, with a status entry', async () => {
    await expectSameCanonicalForm(await signCredentialDataIntegrity(fullBadge(key.controller, { credentialStatus: statusEntry() }), key));
    await expectSameCanonicalForm(await signCredentialDataIntegrity(minimalBadge(key.controller), key));
  });

  it('a signed status list credential', async () => {
    await expectSameCanonicalForm(await statusListCredential(key, [3, 94567]));
  });
});

// The patch also memoises the contexts derived when a type-scoped context is applied and reverted,
// so jsonld.js's processed-context cache hits where it missed before. That is equal to processing
// afresh only because the patch keys that cache on everything processing depends on. The published
// processor keys it on the active context alone and so, once a context has been processed, reuses
// the result where processing afresh gives another one. Each case: the patched processor, its
// caches warmed by a first document, gives for a second one what a published processor with empty
// caches gives (processing afresh); the published processor with warm caches does not. Decision
// 0017, "Keying the cache".
describe('where the published processor’s context cache conflates, the patched one processes afresh', () => {
  const IMPORTED = 'https://example.org/imported.jsonld';
  const loader = async (url: string) => {
    if (url !== IMPORTED) throw new Error(`no document at ${url}`);
    return { contextUrl: null, documentUrl: url, document: { '@context': { i: 'https://example.org/i' } } };
  };
  const expandOrError = (jsonld: JsonLdProcessor, document: unknown, options: Record<string, unknown> = {}) =>
    jsonld.expand(structuredClone(document), { documentLoader: loader, base: null, ...options }).then(
      (expanded) => JSON.stringify(expanded),
      (e: { details?: { code?: string } }) => `error: ${e.details?.code}`,
    );
  /** A published processor nothing has run on yet: a fresh copy, so empty caches. */
  async function afresh<T>(use: (jsonld: JsonLdProcessor) => Promise<T>): Promise<T> {
    const fresh = loadJsonLdProcessors();
    try {
      return await use(fresh.unpatched);
    } finally {
      fresh.dispose();
    }
  }
  /** What `second` gives on each processor right after `first` ran on it. */
  async function secondAfterFirst<T>(first: (jsonld: JsonLdProcessor) => Promise<unknown>, second: (jsonld: JsonLdProcessor) => Promise<T>) {
    const outputs: Record<'patched' | 'unpatched', T> = {} as never;
    for (const which of ['patched', 'unpatched'] as const) {
      await first(processors[which]);
      outputs[which] = await second(processors[which]);
    }
    return outputs;
  }

  it('the document base: a relative @vocab resolves against each document’s own base', async () => {
    const document = { '@context': { '@vocab': '' }, p: 'x' };
    const withBase = (base: string) => (jsonld: JsonLdProcessor) => expandOrError(jsonld, document, { base });
    const expected = await afresh(withBase('https://b.example/doc'));
    expect(expected).toContain('https://b.example/docp');
    const { patched, unpatched } = await secondAfterFirst(withBase('https://a.example/doc'), withBase('https://b.example/doc'));
    expect(patched).toBe(expected);
    // published: the context processed for the first base is reused for the second
    expect(unpatched).toContain('https://a.example/docp');
  });

  it('overrideProtected: an embedded context may not redefine a protected term, even after a property-scoped one did', async () => {
    const scoped = { p: 'https://other.example/p' };
    const context = {
      '@version': 1.1,
      p: { '@id': 'https://example.org/p', '@protected': true },
      q: { '@id': 'https://example.org/q', '@context': scoped },
      r: 'https://example.org/r',
    };
    // property-scoped (under q) p may be redefined; embedded (in r's value) it may not
    const propertyScoped = (jsonld: JsonLdProcessor) => expandOrError(jsonld, { '@context': context, q: { p: 'v' } });
    const embedded = (jsonld: JsonLdProcessor) => expandOrError(jsonld, { '@context': context, r: { '@context': scoped, p: 'w' } });
    const expected = await afresh(embedded);
    expect(expected).toBe('error: protected term redefinition');
    const { patched, unpatched } = await secondAfterFirst(propertyScoped, embedded);
    expect(patched).toBe(expected);
    // published: the property-scoped result is reused for the embedded context, which is accepted
    expect(unpatched).toContain('https://other.example/p');
  });

  it('@import: each importing context gets its own terms, merged with the imported ones', async () => {
    const importing = (term: string) => (jsonld: JsonLdProcessor) =>
      expandOrError(jsonld, { '@context': { '@version': 1.1, '@import': IMPORTED, [term]: `https://example.org/${term}` }, a: 1, b: 2, i: 3 });
    const expected = await afresh(importing('b'));
    expect(expected).toContain('https://example.org/b');
    const { patched, unpatched } = await secondAfterFirst(importing('a'), importing('b'));
    expect(patched).toBe(expected);
    // published: the merge made for the first importing context is reused for the second
    expect(unpatched).not.toContain('https://example.org/b');
  });

  it('the document loader: a context that @imports is processed again for another loader; one that loads nothing is shared', async () => {
    // Two loaders that serve different documents for IMPORTED. The patch caches a context whose
    // processing loaded nothing under a key that serves every loader (jsonld-signatures wraps
    // the caller's loader in a new function for each signature), and one that loaded a document
    // under that loader only.
    const loaderWith = (term: string) => async (url: string) => {
      if (url !== IMPORTED) throw new Error(`no document at ${url}`);
      return { contextUrl: null, documentUrl: url, document: { '@context': { [term]: `https://example.org/${term}` } } };
    };
    const importing = { '@context': { '@version': 1.1, '@import': IMPORTED, a: 'https://example.org/a' }, a: 1, i: 2, j: 3 };
    const withLoader = (term: string) => (jsonld: JsonLdProcessor) => expandOrError(jsonld, importing, { documentLoader: loaderWith(term) });
    const expected = await afresh(withLoader('j'));
    expect(expected).toContain('https://example.org/j');
    const { patched, unpatched } = await secondAfterFirst(withLoader('i'), withLoader('j'));
    expect(patched).toBe(expected);
    // published: the context processed with the first loader's import is reused for the second
    expect(unpatched).not.toContain('https://example.org/j');
    // A context that loads nothing gives the same, with its cache entry shared, for any loader.
    const plain = { '@context': { '@version': 1.1, t: { '@id': 'https://example.org/t', '@context': { u: 'https://example.org/u' } } }, t: { u: 1 } };
    const plainExpected = await afresh((jsonld) => expandOrError(jsonld, plain, { documentLoader: loaderWith('x') }));
    for (const term of ['x', 'y']) expect(await expandOrError(processors.patched, plain, { documentLoader: loaderWith(term) })).toBe(plainExpected);
  });

  it('events: a cached context replays only its own events', async () => {
    const document = { '@context': [{ '@reserved': 'x', a: 'https://example.org/a' }, { b: 'https://example.org/b' }], a: 1, b: 2 };
    const events = async (jsonld: JsonLdProcessor) => {
      const codes: string[] = [];
      const eventHandler = ({ event, next }: { event: { code: string }; next?: () => void }) => {
        codes.push(event.code);
        next?.();
      };
      await jsonld.expand(structuredClone(document), { documentLoader: loader, base: null, eventHandler });
      return codes;
    };
    const expected = await afresh(events);
    expect(expected).toEqual(['reserved term']);
    const { patched, unpatched } = await secondAfterFirst(events, events);
    expect(patched).toEqual(expected);
    // published: the second context's cache entry also holds the first one's events
    expect(unpatched).toEqual(['reserved term', 'reserved term']);
  });
});
