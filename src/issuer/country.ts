// Country names for the issuer's address and the public catalogue: plain data, no I/O.
const countryNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** The English name of an ISO 3166-1 alpha-2 code, e.g. "Netherlands" for NL; undefined if unknown. */
export function countryName(code: string): string | undefined {
  try {
    return countryNames.of(code) ?? undefined;
  } catch {
    return undefined;
  }
}
