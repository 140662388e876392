// The gradebook column of a credential, as both deep linking and grade passback name it:
// matched by resourceId and tag, its maximum from the rubric. Pure.
import type { CredentialDefinition } from '../credentials/model';
import { rubricScoreRange } from '../credentials/rubric';

export const LINE_ITEM_TAG = 'microcred';
export const lineItemResourceId = (credentialId: number) => `microcred-credential-${credentialId}`;

/** The column's maximum: the rubric's top score if the grade is shown on the credential, else 1 (pass/fail). */
export function scoreMaximum(def: CredentialDefinition): number {
  if (!def.gradeShown) return 1;
  const { max } = rubricScoreRange(def.rubric?.criteria ?? []);
  // AGS requires scoreMaximum > 0; a rubric without points falls back to pass/fail.
  return max > 0 ? max : 1;
}
