/**
 * Starting points for new definitions, and the issuer-profile defaults of Annex I
 * elements 3 (country/region) and 4 (awarding body).
 */
import type { CredentialDefinition, InstitutionIssuerProfile } from './model';

/** A new, empty draft. Everything else is filled in by the instructor. */
export function emptyDefinition(): CredentialDefinition {
  return { learningOutcomes: [], rubric: { criteria: [] } };
}

/**
 * Fills the issuer's country/region and the awarding body from the institution's
 * issuer profile wherever the definition leaves them empty. Values the instructor
 * entered are kept, so this can run both when a draft is created (to prefill the form)
 * and when it is read (so later profile edits reach untouched drafts).
 */
export function withIssuerDefaults(def: CredentialDefinition, profile: InstitutionIssuerProfile): CredentialDefinition {
  const isEmpty = (list: unknown[] | undefined) => !list || list.length === 0;
  return {
    ...def,
    issuerCountries: isEmpty(def.issuerCountries) ? [profile.countryCode] : def.issuerCountries,
    issuerRegions: isEmpty(def.issuerRegions) && profile.region ? [profile.region] : def.issuerRegions,
    awardingBodies: isEmpty(def.awardingBodies) ? [{ id: profile.id, name: profile.name, ...(profile.url ? { url: profile.url } : {}) }] : def.awardingBodies,
  };
}
