// The institution's issuer profile as tests save it: one with a QA body (the catalogue, the
// Annex I pages), one with its own QA policy address and a BRIN (issued badges).
// `as never`: the input type requires fields the store fills in with defaults.
export const ISSUER_WITH_QA_BODY = {
  name: 'Example University',
  url: 'https://www.example.edu',
  countryCode: 'NL',
  identifiers: [],
  qaBodyName: 'NVAO',
  qaBodyUrl: 'https://www.nvao.net',
  qaType: 'Institutional accreditation',
} as never;

export const ISSUER_WITH_QA_POLICY_URL = {
  name: 'Example University',
  url: 'https://www.example.edu',
  email: 'badges@example.edu',
  countryCode: 'NL',
  identifiers: [{ identifierType: 'ext:BRIN', identifier: '42NB' }],
  qaPolicyUrl: 'https://www.example.edu/qa',
  qaType: 'Institutional accreditation',
} as never;
