// jsonld.js twice in one process: as installed (carrying patches/jsonld+<version>.patch, applied
// by patch-package at `npm install`) and as published, rebuilt by reversing that patch on a copy
// (git apply --reverse, in a temporary directory).
// The equality proofs (test/jsonld/processorEquality.test.ts) and `npm run bench:issue` compare
// the two side by side. See docs/decisions/0017-faster-jsonld.md.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** The part of jsonld.js's API the proofs and the benchmark use. */
export interface JsonLdProcessor {
  expand(input: unknown, options?: Record<string, unknown>): Promise<unknown[]>;
  toRDF(input: unknown, options?: Record<string, unknown>): Promise<unknown>;
}

export interface JsonLdProcessors {
  /** The copy in node_modules, the one @digitalbazaar/vc signs and verifies with. */
  patched: JsonLdProcessor;
  /** The same files with the patch reversed: jsonld.js as published. */
  unpatched: JsonLdProcessor;
  version: string;
  patchFile: string;
  /**
   * Another copy of jsonld.js as published with `patch` (a patch-package diff, e.g. an earlier
   * version of ours) applied: for benchmarks that compare patch versions side by side.
   */
  variant(patch: string): JsonLdProcessor;
  /** Removes the unpatched copy and the variants. */
  dispose(): void;
}

/** Where Node would find `name` for a module in `fromDir` (walking up the node_modules folders). */
function packageDir(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) throw new Error(`${name} is not installed (looked up from ${fromDir})`);
  }
}

export function loadJsonLdProcessors(): JsonLdProcessors {
  const installed = packageDir('jsonld', root);
  const { version, dependencies = {} } = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  const patchFile = path.join(root, 'patches', `jsonld+${version}.patch`);
  if (!existsSync(patchFile)) {
    const present = existsSync(path.join(root, 'patches')) ? readdirSync(path.join(root, 'patches')).join(', ') : 'none';
    throw new Error(`jsonld ${version} is installed but there is no ${patchFile} (patches: ${present}): port the patch to this version`);
  }

  // A private node_modules: the copy, plus links to the packages the installed jsonld requires.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'microcred-jsonld-'));
  const copy = path.join(dir, 'node_modules', 'jsonld');
  cpSync(installed, copy, { recursive: true });
  for (const dep of Object.keys(dependencies)) {
    const link = path.join(dir, 'node_modules', dep);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(packageDir(dep, installed), link);
  }
  // Reversing fails (and says so) unless the installed copy carries exactly this patch. git apply
  // outside any repository works on plain files; GIT_* variables (set in git hooks) are dropped so
  // it cannot pick up a repository from them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  try {
    execFileSync('git', ['apply', '--reverse', '-p3', patchFile], { cwd: copy, env, stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const output = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`node_modules/jsonld does not carry ${path.basename(patchFile)}; run \`npm install\` (postinstall: patch-package).\n${output}`);
  }
  let variants = 0;
  return {
    patched: require(installed),
    unpatched: require(copy),
    version,
    patchFile,
    variant: (patch) => {
      // dir/v<n>/node_modules/jsonld: its dependencies are found in dir/node_modules, as above.
      const variantCopy = path.join(dir, `v${++variants}`, 'node_modules', 'jsonld');
      cpSync(copy, variantCopy, { recursive: true });
      execFileSync('git', ['apply', '-p3', '-'], { cwd: variantCopy, env, input: patch, stdio: ['pipe', 'pipe', 'pipe'] });
      return require(variantCopy);
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

type Loader = (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;

/**
 * Canonical N-Quads of a credential exactly as eddsa-rdfc-2022 computes them before hashing
 * (@digitalbazaar/eddsa-rdfc-2022-cryptosuite lib/canonize.js): toRDF with these options, then
 * RDFC-1.0 (rdf-canonize, shared by both processors).
 */
let rdfCanonizeModule: { canonize(dataset: unknown, options: Record<string, unknown>): Promise<string> } | undefined;

export async function canonize(jsonld: JsonLdProcessor, document: unknown, documentLoader: Loader): Promise<string> {
  // Looked up once: finding it costs file system calls, a tenth of a patched canonicalisation.
  rdfCanonizeModule ??= require(packageDir('rdf-canonize', packageDir('jsonld', root)));
  const rdfCanonize = rdfCanonizeModule!;
  const dataset = await jsonld.toRDF(document, {
    algorithm: 'RDFC-1.0',
    base: null,
    safe: true,
    rdfDirection: 'i18n-datatype',
    produceGeneralizedRdf: false,
    documentLoader,
  });
  return rdfCanonize.canonize(dataset, { algorithm: 'RDFC-1.0', format: 'application/n-quads' });
}
