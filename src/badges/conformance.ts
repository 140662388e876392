// The checks every credential passes before it is stored: the official Open Badges 3.0
// schema and the Dutch edubadges micro-credential profile (src/badges/schemas/SOURCE.md).
import Ajv2019, { type ValidateFunction } from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import edubadges from './schemas/edubadges-microcredential.json';
import edubadgesEcts from './schemas/edubadges-microcredential-ects.json';
import { ob3SchemaProblems } from './verify';

let compiled: { profile: ValidateFunction; ects: ValidateFunction } | undefined;

function edubadgesValidators() {
  if (!compiled) {
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    addFormats(ajv);
    // Both files share one $id upstream; compile them apart.
    const { $id: _a, ...profile } = edubadges as Record<string, unknown>;
    const { $id: _b, ...ects } = edubadgesEcts as Record<string, unknown>;
    compiled = { profile: ajv.compile(profile), ects: ajv.compile(ects) };
  }
  return compiled;
}

/** Problems against the edubadges profile (and its ECTS schema where ECTS are 3–30). */
export function edubadgesProblems(credential: Record<string, unknown>): string[] {
  const { profile, ects } = edubadgesValidators();
  const problems: string[] = [];
  if (!profile(credential)) problems.push(...(profile.errors ?? []).map((e) => `edubadges: ${e.instancePath || '/'} ${e.message}`));
  const value = ((credential.credentialSubject as Record<string, unknown> | undefined)?.achievement as Record<string, unknown> | undefined)?.ECTS;
  if (typeof value === 'number' && value >= 3 && value <= 30 && !ects(credential)) problems.push(...(ects.errors ?? []).map((e) => `edubadges ECTS: ${e.instancePath || '/'} ${e.message}`));
  return problems;
}

/** Every conformance problem, OB 3.0 first; empty when the credential may be issued. */
export function conformanceProblems(credential: Record<string, unknown>): string[] {
  return [...ob3SchemaProblems(credential), ...edubadgesProblems(credential)];
}
