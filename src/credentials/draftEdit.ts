// The one way a page changes a credential's definition: take the version the form was
// built from, apply the change, validate the whole draft, save with optimistic locking.
// Pages decide how to show the outcome (errors next to fields, a conflict, a redirect).
import { AppError, NotFoundError } from '../errors';
import type { CredentialDefinition } from './model';
import type { CredentialStore } from './store';
import { parseDraft, versionLockOf } from './validation';

export type DraftEditResult =
  | { ok: true }
  /** Validation failed: messages keyed by definition path, e.g. "rubric.criteria.0.levels". */
  | { ok: false; status: 422; errors: Record<string, string>; changed: CredentialDefinition }
  /** Someone saved in between: nothing was written. */
  | { ok: false; status: 409; message: string };

export async function editDraft(
  store: CredentialStore,
  where: { courseId: number; credentialId: number; actorId: number },
  body: unknown,
  change: (definition: CredentialDefinition) => CredentialDefinition,
  summary: string,
): Promise<DraftEditResult> {
  const lock = versionLockOf(body);
  const cred = await store.get(where.courseId, where.credentialId);
  const edited = cred.versions.find((v) => v.id === lock.versionId);
  if (!edited) throw new NotFoundError('That version of the credential does not exist.');
  const changed = change(structuredClone(edited.definition));
  const parsed = parseDraft(changed);
  if (!parsed.ok) return { ok: false, status: 422, errors: parsed.errors, changed };
  try {
    await store.saveDraft(where.courseId, where.credentialId, lock, parsed.value, where.actorId, summary);
  } catch (e) {
    if (e instanceof AppError && e.status === 409) return { ok: false, status: 409, message: `${e.message} ${e.hint ?? ''}`.trim() };
    throw e;
  }
  return { ok: true };
}
