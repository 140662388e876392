/**
 * The EU controlled vocabularies an EDC uses, as ELM concepts, bundled (nothing is fetched).
 *
 * Why so few codes: a concept URI is only written where we can show where it comes from: the
 * Commission's Annex I sample (shared/conformance/elm) or a published EU authority table whose
 * URIs are built from a standard code (countries: ISO 3166-1 alpha-3; languages: ISO 639-2/B;
 * EQF levels; ISCED-F field codes). Where no such URI is known (e.g. three of the four Annex I
 * supervision values), the EDC carries the Annex I words in a Note instead of a guessed concept.
 */

export interface ElmConcept {
  id: string;
  type: 'Concept';
  inScheme: { id: string; type: 'ConceptScheme' };
  notation?: string;
  prefLabel: Record<string, string>;
}

export function concept(id: string, scheme: string, label: string, notation?: string): ElmConcept {
  return { id, type: 'Concept', inScheme: { id: scheme, type: 'ConceptScheme' }, ...(notation ? { notation } : {}), prefLabel: { en: label } };
}

const SNB = 'http://data.europa.eu/snb';
const AUTHORITY = 'http://publications.europa.eu/resource/authority';

/** The credential profile "Generic" (as in the sample). */
export const GENERIC_PROFILE = concept(`${SNB}/credential/e34929035b`, `${SNB}/credential/25831c2`, 'Generic');
export const ECTS = concept(`${SNB}/education-credit/6fcec5c5af`, `${SNB}/education-credit/25831c2`, 'European Credit Transfer System');
export const BASE64 = concept(`${SNB}/encoding/6146cde7dd`, `${SNB}/encoding/25831c2`, 'base64');
export const PNG = concept(`${AUTHORITY}/file-type/PNG`, `${AUTHORITY}/file-type`, 'PNG', 'file-type');

export const eqfLevel = (level: number) => concept(`${SNB}/eqf/${level}`, `${SNB}/eqf/25831c2`, `Level ${level}`);
export const iscedField = (code: string, label: string) => concept(`${SNB}/isced-f/${code}`, `${SNB}/isced-f/25831c2`, label);
export const escoSkill = (uri: string, label: string) => concept(uri, 'http://data.europa.eu/esco/concept-scheme/skills', label, 'Skill');

/** Mode of learning and assessment: the sample's Online and Blended. */
const MODE_SCHEME = `${SNB}/learning-assessment/25831c2`;
export const MODES = {
  online: concept(`${SNB}/learning-assessment/920fbb3cbe`, MODE_SCHEME, 'Online'),
  blended: concept(`${SNB}/learning-assessment/e92d221e4d`, MODE_SCHEME, 'Blended'),
};

/** Supervision and verification: the one value the sample shows. */
export const UNSUPERVISED_NO_ID = concept(
  `${SNB}/supervision-verification/c598449d64`,
  `${SNB}/supervision-verification/25831c2`,
  'Unsupervised without ID Verification',
);

/** ISO 3166-1 alpha-2 → the EU country authority (alpha-3) with its English name. */
const COUNTRIES: Record<string, [string, string]> = {
  AT: ['AUT', 'Austria'],
  BE: ['BEL', 'Belgium'],
  BG: ['BGR', 'Bulgaria'],
  HR: ['HRV', 'Croatia'],
  CY: ['CYP', 'Cyprus'],
  CZ: ['CZE', 'Czechia'],
  DK: ['DNK', 'Denmark'],
  EE: ['EST', 'Estonia'],
  FI: ['FIN', 'Finland'],
  FR: ['FRA', 'France'],
  DE: ['DEU', 'Germany'],
  GR: ['GRC', 'Greece'],
  HU: ['HUN', 'Hungary'],
  IE: ['IRL', 'Ireland'],
  IT: ['ITA', 'Italy'],
  LV: ['LVA', 'Latvia'],
  LT: ['LTU', 'Lithuania'],
  LU: ['LUX', 'Luxembourg'],
  MT: ['MLT', 'Malta'],
  NL: ['NLD', 'Netherlands'],
  PL: ['POL', 'Poland'],
  PT: ['PRT', 'Portugal'],
  RO: ['ROU', 'Romania'],
  SK: ['SVK', 'Slovakia'],
  SI: ['SVN', 'Slovenia'],
  ES: ['ESP', 'Spain'],
  SE: ['SWE', 'Sweden'],
  IS: ['ISL', 'Iceland'],
  LI: ['LIE', 'Liechtenstein'],
  NO: ['NOR', 'Norway'],
  CH: ['CHE', 'Switzerland'],
  GB: ['GBR', 'United Kingdom'],
  AL: ['ALB', 'Albania'],
  BA: ['BIH', 'Bosnia and Herzegovina'],
  ME: ['MNE', 'Montenegro'],
  MK: ['MKD', 'North Macedonia'],
  RS: ['SRB', 'Serbia'],
  TR: ['TUR', 'Türkiye'],
  UA: ['UKR', 'Ukraine'],
  MD: ['MDA', 'Moldova'],
  GE: ['GEO', 'Georgia'],
  XK: ['XKX', 'Kosovo'],
  US: ['USA', 'United States'],
  CA: ['CAN', 'Canada'],
};

/** The country concept for an ISO alpha-2 code, or undefined when we have no EU authority code for it. */
export function country(alpha2: string): ElmConcept | undefined {
  const entry = COUNTRIES[alpha2.toUpperCase()];
  return entry ? concept(`${AUTHORITY}/country/${entry[0]}`, `${AUTHORITY}/country`, entry[1], 'country') : undefined;
}

/** The alpha-2 code for an EU country authority URI (for reading EDCs). */
export function alpha2OfCountry(uri: string): string | undefined {
  const code = uri.split('/').pop();
  return Object.entries(COUNTRIES).find(([, [alpha3]]) => alpha3 === code)?.[0];
}

/** BCP 47 primary language → the EU language authority (ISO 639-2/B as the authority writes it). */
const LANGUAGES: Record<string, [string, string]> = {
  en: ['ENG', 'English'],
  nl: ['NLD', 'Dutch'],
  de: ['DEU', 'German'],
  fr: ['FRA', 'French'],
  es: ['SPA', 'Spanish'],
  it: ['ITA', 'Italian'],
  pt: ['POR', 'Portuguese'],
  pl: ['POL', 'Polish'],
  sv: ['SWE', 'Swedish'],
  da: ['DAN', 'Danish'],
  fi: ['FIN', 'Finnish'],
  et: ['EST', 'Estonian'],
  lv: ['LAV', 'Latvian'],
  lt: ['LIT', 'Lithuanian'],
  cs: ['CES', 'Czech'],
  sk: ['SLK', 'Slovak'],
  sl: ['SLV', 'Slovenian'],
  hu: ['HUN', 'Hungarian'],
  ro: ['RON', 'Romanian'],
  bg: ['BUL', 'Bulgarian'],
  el: ['ELL', 'Greek'],
  hr: ['HRV', 'Croatian'],
  ga: ['GLE', 'Irish'],
  mt: ['MLT', 'Maltese'],
};

/** The language concept and the language tag for texts ("en" when unknown). */
export function language(bcp47: string | undefined): { tag: string; concept: ElmConcept } {
  const tag = (bcp47 ?? 'en').toLowerCase().split('-')[0];
  const entry = LANGUAGES[tag] ?? LANGUAGES.en;
  const used = LANGUAGES[tag] ? tag : 'en';
  return { tag: used, concept: concept(`${AUTHORITY}/language/${entry[0]}`, `${AUTHORITY}/language`, entry[1], 'language') };
}
