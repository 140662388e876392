// The Achievement of a published credential version as a document of its own: what its URL
// (the id every issued credential names) serves and what the public catalogue's feed lists.
// Pure. The object is the one credentials embed and sign (versionAchievement), plus the
// JSON-LD contexts a standalone document needs.
import { achievementCredentialContexts, type Ob3Achievement } from '../credentials/achievement';
import type { CredentialDefinition } from '../credentials/model';
import { type AchievementIssuer, versionAchievement } from './credentialBuilder';

export type PublishedAchievement = Ob3Achievement & { '@context': string[] };

/**
 * The Achievement as JSON-LD: the credential's contexts, in the credential's order, then the
 * very object issued credentials embed. Without an issuer profile (so before anything can be
 * issued) the creator is the issuer's bare DID.
 */
export function publishedAchievement(
  publicUrl: string,
  version: { credentialId: number; versionNo: number; definition: CredentialDefinition },
  issuer: AchievementIssuer | { did: string },
): PublishedAchievement {
  const by: AchievementIssuer = 'profile' in issuer ? issuer : { profile: { id: issuer.did, type: ['Profile'] } };
  return achievementDocument(publicUrl, versionAchievement(publicUrl, version, by));
}

/** An Achievement as a standalone JSON-LD document. */
export function achievementDocument(publicUrl: string, achievement: Ob3Achievement): PublishedAchievement {
  return { '@context': achievementCredentialContexts(publicUrl), ...achievement };
}
