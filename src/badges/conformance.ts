// The checks every credential passes before it is stored: the official Open Badges 3.0
// schema and the Dutch edubadges micro-credential profile (src/badges/schemas/SOURCE.md).
import { openBadgesValidators, schemaProblems } from '../credentials/openBadgesSchema';
import { ob3SchemaProblems } from './verify';

/** Problems against the edubadges profile (and its ECTS schema where ECTS are 3–30). */
export function edubadgesProblems(credential: Record<string, unknown>): string[] {
  const { edubadges: profile, edubadgesEcts: ects } = openBadgesValidators();
  const explained = { wholeDocument: 'The credential' };
  const problems = schemaProblems(profile, credential, explained).map((p) => `edubadges: ${p.message}`);
  const value = ((credential.credentialSubject as Record<string, unknown> | undefined)?.achievement as Record<string, unknown> | undefined)?.ECTS;
  if (typeof value === 'number' && value >= 3 && value <= 30)
    problems.push(...schemaProblems(ects, credential, explained).map((p) => `edubadges ECTS: ${p.message}`));
  return problems;
}

/** Every conformance problem, OB 3.0 first; empty when the credential may be issued. */
export function conformanceProblems(credential: Record<string, unknown>): string[] {
  return [...ob3SchemaProblems(credential), ...edubadgesProblems(credential)];
}
