// The Open Badges 3.0 schemas and the one Ajv instance that compiles them: the official
// AchievementCredential schema (whole credentials, and its Achievement definition for the
// designer's preview) and the Dutch edubadges micro-credential profile
// (src/badges/schemas/SOURCE.md). Each validator is compiled once, on first use.
import Ajv2019, { type ValidateFunction } from 'ajv/dist/2019';
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
