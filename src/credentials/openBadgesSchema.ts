// The Open Badges 3.0 schemas and the one Ajv instance that compiles them: the official
// AchievementCredential schema (whole credentials, and its Achievement definition for the
// designer's preview) and the Dutch edubadges micro-credential profile
// (src/badges/schemas/SOURCE.md). Each validator is compiled once, on first use. One
// explainer turns their errors into sentences, for the verifier, the designer and the checks.
import Ajv2019, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import edubadges from '../badges/schemas/edubadges-microcredential.json';
import edubadgesEcts from '../badges/schemas/edubadges-microcredential-ects.json';
import ob3Schema from './schemas/ob_v3p0_achievementcredential_schema.json';

export type { ErrorObject, ValidateFunction } from 'ajv/dist/2019';

let ajv: Ajv2019 | undefined;

function instance(): Ajv2019 {
  if (!ajv) {
    // verbose: errors carry their schema, so oneOf errors can list the allowed values.
    // strict off: the OB 3.0 @context tuples and the edubadges files' keywords would otherwise
    // log warnings or refuse to compile; validation itself is the same.
    ajv = new Ajv2019({ allErrors: true, verbose: true, strict: false });
    addFormats(ajv);
    ajv.addSchema(ob3Schema);
  }
  return ajv;
}

let compiled: { credential: ValidateFunction; achievement: ValidateFunction; edubadges: ValidateFunction; edubadgesEcts: ValidateFunction } | undefined;

/** The compiled validators: a whole OB 3.0 credential, its Achievement, and the edubadges profile (and its ECTS schema). */
export function openBadgesValidators() {
  if (!compiled) {
    const a = instance();
    // Both edubadges files share one $id upstream; compile them apart.
    const { $id: _a, ...profile } = edubadges as Record<string, unknown>;
    const { $id: _b, ...ects } = edubadgesEcts as Record<string, unknown>;
    compiled = {
      credential: a.getSchema(ob3Schema.$id)!,
      achievement: a.compile({ $ref: `${ob3Schema.$id}#/$defs/Achievement` }),
      edubadges: a.compile(profile),
      edubadgesEcts: a.compile(ects),
    };
  }
  return compiled;
}

// --- The one explainer: ajv's errors as one plain sentence per problem --------------------

export interface SchemaProblem {
  /** Where, as a readable path: "credentialSubject.achievement.name", "achievement.alignment[0]". */
  path: string;
  message: string;
}

export interface ExplainOptions {
  /** Prefixed to every path ("achievement" for an Achievement on its own); none for a credential. */
  root?: string;
  /** What the whole document is called when the problem is at its top: "The credential". */
  wholeDocument: string;
}

/** Validates `data` and explains what is wrong; empty when it is valid. */
export function schemaProblems(validate: ValidateFunction, data: unknown, options: ExplainOptions): SchemaProblem[] {
  return validate(data) ? [] : explainSchemaErrors(validate.errors ?? [], data, options);
}

export function explainSchemaErrors(errors: ErrorObject[], data: unknown, { root, wholeDocument }: ExplainOptions): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of withoutAlternativesNoise(errors, data)) {
    const path = readablePath(error.instancePath, root);
    const message = describeError(error, path ? `“${path}”` : wholeDocument);
    if (seen.has(`${path}|${message}`)) continue;
    seen.add(`${path}|${message}`);
    problems.push({ path, message });
  }
  return problems;
}

/**
 * A failed oneOf/anyOf (an issuer that is a URL or a Profile; an extensible enumeration) also
 * reports why each alternative failed. For an object, the object alternative's errors
 * ("issuer.name must be a string") say the most; for a plain value, the summary does.
 */
function withoutAlternativesNoise(errors: ErrorObject[], data: unknown): ErrorObject[] {
  const drop = new Set<ErrorObject>();
  for (const umbrella of errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')) {
    const at = umbrella.instancePath;
    const children = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && (e.instancePath === at || e.instancePath.startsWith(`${at}/`)));
    const value = valueAt(data, at);
    if (value && typeof value === 'object') {
      const useful = children.filter((e) => !(e.instancePath === at && e.keyword === 'type'));
      for (const e of children) if (!useful.includes(e)) drop.add(e);
      if (useful.length > 0) drop.add(umbrella);
    } else {
      for (const e of children) if (e.instancePath === at) drop.add(e);
    }
  }
  return errors.filter((e) => !drop.has(e));
}

const pointerParts = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

/** "/alignment/0/targetType" → "alignment[0].targetType", after the root if there is one. */
function readablePath(instancePath: string, root = ''): string {
  return pointerParts(instancePath).reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), root);
}

/** The value at a JSON pointer such as "/credentialSubject/achievement". */
function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const part of pointerParts(pointer)) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function describeError(error: ErrorObject, where: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${where} is missing the required property “${String(params.missingProperty)}”.`;
    case 'type':
      return `${where} must be ${/^[aeiou]/i.test(String(params.type)) ? 'an' : 'a'} ${String(params.type)}.`;
    case 'format':
      return `${where} must be a valid ${String(params.format)}.`;
    case 'enum':
      return `${where} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}.`;
    case 'const':
      return `${where} must be “${String(params.allowedValue)}”.`;
    case 'contains': {
      const values = (error.schema as { enum?: unknown[]; const?: unknown } | undefined) ?? {};
      const allowed = values.enum ?? ('const' in values ? [values.const] : undefined);
      return `${where} must include ${allowed ? allowed.map((v) => `“${String(v)}”`).join(' or ') : 'an allowed value'}.`;
    }
    case 'pattern': {
      const property = pointerParts(error.instancePath).pop() ?? '';
      return `${where} must be ${PATTERN_WORDS[property] ?? `text matching ${String(params.pattern)}`}.`;
    }
    case 'additionalProperties':
      return `${where} may not have the property “${String(params.additionalProperty)}”.`;
    case 'minItems':
      return `${where} must have at least ${String(params.limit)} item(s).`;
    case 'oneOf':
    case 'anyOf': {
      const allowed = describeAlternatives(error.schema);
      return allowed ? `${where} must be ${allowed}.` : `${where} is not in a form the standard allows.`;
    }
    default:
      return `${where} ${error.message ?? 'is not valid'}.`;
  }
}

/** What the schema's patterns mean, for the properties that have one. */
const PATTERN_WORDS: Record<string, string> = {
  inLanguage: 'a language code such as “en” or “nl-NL”',
  endorsementJwt: 'a compact JWS (three dot-separated base64url parts)',
};

/** For OB 3.0's "extensible enumerations": a listed value or an ext: term. */
function describeAlternatives(schema: unknown): string | undefined {
  if (!Array.isArray(schema)) return undefined;
  const listed = schema.flatMap((alt: { enum?: unknown[] }) => alt.enum ?? []).map(String);
  const extensible = schema.some((alt: { pattern?: string }) => alt.pattern?.includes('ext:'));
  const parts: string[] = [];
  if (listed.length > 0) parts.push(`one of: ${listed.slice(0, 12).join(', ')}${listed.length > 12 ? ', …' : ''}`);
  if (extensible) parts.push('an extension term such as “ext:MyType”');
  return parts.length > 0 ? parts.join(', or ') : undefined;
}
