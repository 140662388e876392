/**
 * FORMAT check of a European Digital Credential: SHACL conformance to the EDC application
 * profile named in its `credentialSchema`, as the Europass verifier does it.
 *
 * Why this shape: the Commission publishes the profile as SHACL shapes, not as a JSON schema,
 * so the credential is turned into RDF (JSON-LD → N-Quads with the bundled VC 1.1 and EDC
 * contexts, never fetched) and checked by rdf-validate-shacl, a maintained SHACL engine. The
 * generic-full shapes `owl:imports` the no-cv shapes; the import resolver serves the bundled
 * copy. Every result becomes one plain sentence naming the node, the property and the rule.
 */
import { Parser, Store } from 'n3';
import { createDocumentLoader } from '../badges/documentLoader';
import type { DocumentLoader, RemoteDocument } from '../badges/esm';
import edcContext from './profile/edc-ap-context.json';
import genericFull from './profile/edc-generic-full.ttl.json';
import genericNoCv from './profile/edc-generic-no-cv.ttl.json';

export const EDC_CONTEXT = 'http://data.europa.eu/snb/model/context/edc-ap';
export const EDC_GENERIC_FULL = 'http://data.europa.eu/snb/model/ap/edc-generic-full';
export const EDC_GENERIC_NO_CV = 'http://data.europa.eu/snb/model/ap/edc-generic-no-cv';

/** The profiles we can check, by the IRI a credential names in `credentialSchema`. */
const PROFILES: Record<string, string> = {
  [EDC_GENERIC_FULL]: genericFull.turtle,
  [EDC_GENERIC_NO_CV]: genericNoCv.turtle,
};

const badgeLoader = createDocumentLoader();

/** The badges' offline loader plus the EDC context. */
export const edcDocumentLoader: DocumentLoader = async (url: string): Promise<RemoteDocument> => {
  if (url === EDC_CONTEXT || url === `${EDC_CONTEXT}/`) return { contextUrl: null, documentUrl: url, document: edcContext };
  return badgeLoader(url);
};

interface ShaclResult {
  message: { value: string }[];
  path: { value: string } | null;
  focusNode: { value: string; termType: string } | null;
  value?: { value: string } | null;
  sourceConstraintComponent: { value: string } | null;
  sourceShape: { value: string } | null;
  severity: { value: string } | null;
}
interface ShaclValidatorClass {
  new (
    shapes: Store,
    options: { importGraph: (url: { value: string }) => Store },
  ): { validate(data: Store): Promise<{ conforms: boolean; results: ShaclResult[] }> };
}

function parseTurtle(turtle: string): Store {
  return new Store(new Parser({ format: 'text/turtle' }).parse(turtle));
}

const shapeCache = new Map<string, Store>();
function shapesOf(profile: string): Store {
  let store = shapeCache.get(profile);
  if (!store) {
    const turtle = PROFILES[profile];
    if (!turtle) throw new Error(`no bundled shapes for ${profile}`);
    store = parseTurtle(turtle);
    shapeCache.set(profile, store);
  }
  return store;
}

let validatorClass: ShaclValidatorClass | undefined;
function loadValidator(): ShaclValidatorClass {
  // ESM-only; require(esm) in the app, transpiled by ts-jest in tests (see src/badges/esm.ts).
  validatorClass ??= (require('rdf-validate-shacl') as { default: ShaclValidatorClass }).default;
  return validatorClass;
}

type Validator = InstanceType<ShaclValidatorClass>;
const validators = new Map<string, Promise<Validator>>();

/**
 * One validator per profile, kept: building one (the shapes graph, with the import) is most of
 * the cost of a check (about 1 s of 1.1 s). It is handed out only after a first validation of an
 * empty graph has loaded the owl:imports, so no caller sees it half-loaded; from then on
 * `validate` sets the data graph, validates and builds the report without yielding, so
 * concurrent checks cannot mix their data.
 */
function validatorFor(profile: string): Promise<Validator> {
  let validator = validators.get(profile);
  if (!validator) {
    const Validator = loadValidator();
    const created = new Validator(shapesOf(profile), {
      importGraph: (url) => {
        if (!PROFILES[url.value]) throw new Error(`the profile imports ${url.value}, which is not bundled`);
        return shapesOf(url.value);
      },
    });
    validator = created.validate(new Store()).then(() => created);
    validator.catch(() => validators.delete(profile));
    validators.set(profile, validator);
  }
  return validator;
}

export interface FormatReport {
  /** The profile IRI the credential names (or the one checked, when it names none we know). */
  profile: string | undefined;
  conforms: boolean;
  /** One readable sentence per SHACL result, or per reason the check could not run. */
  problems: string[];
}

/** The last segment of an IRI, for messages: "…/elm/title" → "title". */
function shortName(iri: string | undefined): string {
  if (!iri) return '(node)';
  const cut = Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/'));
  return cut >= 0 && cut < iri.length - 1 ? iri.slice(cut + 1) : iri;
}

function describe(result: ShaclResult): string {
  const focus = result.focusNode ? (result.focusNode.termType === 'BlankNode' ? 'a node without id' : result.focusNode.value) : 'the credential';
  const path = result.path ? `“${shortName(result.path.value)}”` : 'the node';
  const rule = shortName(result.sourceConstraintComponent?.value).replace(/ConstraintComponent$/, '');
  const plain: Record<string, string> = { MinCount: 'is missing, and the profile requires it', MaxCount: 'has more values than the profile allows' };
  const message = plain[rule] ?? result.message.map((m) => m.value).join('; ');
  const value = result.value?.value ? ` (value: ${result.value.value.slice(0, 120)})` : '';
  const shape = result.sourceShape && result.sourceShape.value.startsWith('http') ? ` [shape ${shortName(result.sourceShape.value)}]` : '';
  return `${path} of ${focus}: ${message || `breaks the ${rule} rule`}${value}${shape}.`.replace(/\.\.$/, '.');
}

/** The profile a credential names in credentialSchema (one object or an array). */
export function profileOf(credential: Record<string, unknown>): string | undefined {
  const schema = credential.credentialSchema;
  const list = Array.isArray(schema) ? schema : schema ? [schema] : [];
  for (const s of list) {
    const id = typeof s === 'string' ? s : (s as { id?: unknown })?.id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/** JSON-LD → an RDF store, with the offline loader; JSON-LD errors are thrown. */
export async function toRdf(credential: Record<string, unknown>): Promise<Store> {
  const jsonld = require('jsonld') as { toRDF(doc: unknown, options: Record<string, unknown>): Promise<string> };
  const nquads = await jsonld.toRDF(credential, { format: 'application/n-quads', documentLoader: edcDocumentLoader, safe: false });
  return new Store(new Parser({ format: 'application/n-quads' }).parse(nquads));
}

/** Checks an EDC against the SHACL shapes of the profile it names in credentialSchema. */
export async function checkFormat(credential: Record<string, unknown>): Promise<FormatReport> {
  const profile = profileOf(credential);
  if (!profile) return { profile, conforms: false, problems: ['The credential names no profile in “credentialSchema”.'] };
  if (!PROFILES[profile]) return { profile, conforms: false, problems: [`The profile ${profile} named in “credentialSchema” is not one this verifier has.`] };
  let data: Store;
  try {
    data = await toRdf(credential);
  } catch (error) {
    return { profile, conforms: false, problems: [`The credential is not valid JSON-LD: ${(error as Error).message}.`] };
  }
  const report = await (await validatorFor(profile)).validate(data);
  return { profile, conforms: report.conforms, problems: report.results.map(describe) };
}
