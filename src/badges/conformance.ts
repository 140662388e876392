// The checks every credential passes before it is stored: the official Open Badges 3.0
// schema and the Dutch edubadges micro-credential profile (src/badges/schemas/SOURCE.md).
import { openBadgesValidators } from '../credentials/openBadgesSchema';
import { ob3SchemaProblems } from './verify';

/** Problems against the edubadges profile (and its ECTS schema where ECTS are 3–30). */
export function edubadgesProblems(credential: Record<string, unknown>): string[] {
  const { edubadges: profile, edubadgesEcts: ects } = openBadgesValidators();
  const problems: string[] = [];
  if (!profile(credential)) problems.push(...(profile.errors ?? []).map((e) => `edubadges: ${e.instancePath || '/'} ${e.message}`));
  const value = ((credential.credentialSubject as Record<string, unknown> | undefined)?.achievement as Record<string, unknown> | undefined)?.ECTS;
  if (typeof value === 'number' && value >= 3 && value <= 30 && !ects(credential))
    problems.push(...(ects.errors ?? []).map((e) => `edubadges ECTS: ${e.instancePath || '/'} ${e.message}`));
  return problems;
}

/** Every conformance problem, OB 3.0 first; empty when the credential may be issued. */
export function conformanceProblems(credential: Record<string, unknown>): string[] {
  return [...ob3SchemaProblems(credential), ...edubadgesProblems(credential)];
}
