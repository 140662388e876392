// The Achievement a published credential version shows to the world (its public JSON and the
// catalogue's feed): pure, from the definition and the tool's public URL.
import { buildAchievement, type Ob3Achievement } from '../credentials/achievement';
import type { CredentialDefinition } from '../credentials/model';
import { badgeUrls } from './credentialBuilder';

/**
 * The Achievement of a published credential version, as served at its URL (the id issued
 * credentials name) and in the public catalogue feed. The awarding body stands in as its
 * creator. The institution's QA policy becomes the quality-assurance alignment when the
 * credential names no policy of its own, as in issued credentials.
 */
export function publishedAchievement(
  publicUrl: string,
  version: { credentialId: number; versionNo: number; definition: CredentialDefinition },
  institutionQaPolicyUrl?: string,
): Ob3Achievement {
  const urls = badgeUrls(publicUrl);
  const id = urls.achievement(version.credentialId, version.versionNo);
  const def = version.definition;
  const body = def.awardingBodies?.[0];
  return buildAchievement(
    { ...def, qaPolicyUrl: def.qaPolicyUrl || institutionQaPolicyUrl },
    {
      id,
      version: String(version.versionNo),
      image: { id: urls.achievementImage(version.credentialId, version.versionNo), caption: def.title },
      criteriaUrl: id,
      creator: { id: body?.id ?? `${publicUrl}/issuer`, type: ['Profile'], name: body?.name ?? 'Issuer' },
    },
  );
}
