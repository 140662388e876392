// FORMAT: every kind of credential we issue maps to an EDC with 0 SHACL results against the
// generic-full profile; the Commission's own sample passes (the validator works); a broken EDC
// fails with one readable sentence per problem. The bundled profile equals shared/conformance.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildEuropeanDigitalCredential, statusUrlOf } from '../../src/edc/mapping';
import { checkFormat } from '../../src/edc/shacl';
import { EDC_KINDS, edcInputs, PUBLIC_URL } from './fixtures';
import { completeDefinition } from '../credentials/fixtures';

const ELM = path.resolve(__dirname, '../../../shared/conformance/elm');
const sample = JSON.parse(readFileSync(path.join(ELM, 'Sample-MC-Annex1-signed.jsonld'), 'utf8')) as { payload: string };

describe.each(EDC_KINDS)('%s', (_name, make) => {
  it('conforms to the EDC generic-full profile with 0 SHACL results', async () => {
    const report = await checkFormat(buildEuropeanDigitalCredential(make()));
    expect(report.problems).toEqual([]);
    expect(report.conforms).toBe(true);
  });
});

it('the Commission’s sealed Annex I sample conforms (the validator works)', async () => {
  const report = await checkFormat(JSON.parse(sample.payload));
  expect(report).toEqual({ profile: 'http://data.europa.eu/snb/model/ap/edc-generic-full', conforms: true, problems: [] });
});

it('the unsigned sample does not: no issue date, no legal identifier on the issuer', async () => {
  const unsigned = JSON.parse(readFileSync(path.join(ELM, 'Sample-MC-Annex1-unsigned.jsonld'), 'utf8'));
  const report = await checkFormat(unsigned);
  expect(report.conforms).toBe(false);
  expect(report.problems).toHaveLength(2);
  expect(report.problems.some((p) => p.startsWith('“issued” of urn:credential:') && p.includes('is missing, and the profile requires it'))).toBe(true);
});

it('a broken EDC fails, one readable sentence per problem', async () => {
  const edc = buildEuropeanDigitalCredential(edcInputs(completeDefinition())) as Record<string, any>;
  delete edc.issued; // mandatory
  delete edc.credentialSubject.hasClaim.title; // a claim needs a title
  edc.credentialStatus = { id: `${PUBLIC_URL}/status/1#1`, type: 'BitstringStatusListEntry' }; // must be a URI literal
  edc.credentialSubject.hasClaim.specifiedBy.eqfLevel = {
    id: 'http://example.org/level/9',
    type: 'Concept',
    inScheme: { id: 'http://example.org/levels', type: 'ConceptScheme' },
  };
  const report = await checkFormat(edc);
  expect(report.conforms).toBe(false);
  expect(report.problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^“issued” of urn:credential:.*is missing, and the profile requires it/),
      expect.stringMatching(/^“title” of urn:epass:.*:learningAchievement:1: is missing, and the profile requires it/),
      expect.stringMatching(/^“credentialStatus” of urn:credential:.*(datatype|anyURI)/i),
      expect.stringMatching(/^“EQFLevel” of urn:epass:.*:qualification:1: .*EQFLevelRestriction/),
    ]),
  );
  expect(report.problems.every((p) => p.endsWith('.'))).toBe(true);
});

it('names what it cannot check', async () => {
  expect((await checkFormat({ type: ['VerifiableCredential'] })).problems).toEqual(['The credential names no profile in “credentialSchema”.']);
  const other = await checkFormat({ credentialSchema: { id: 'http://example.org/profile', type: 'ShaclValidator2017' } });
  expect(other.problems[0]).toContain('is not one this verifier has');
});

it('carries the award: status entry, hashed learner only, Annex I elements', () => {
  const input = edcInputs({ ...completeDefinition(), validityMonths: 12 });
  const edc = buildEuropeanDigitalCredential(input) as Record<string, any>;
  expect(statusUrlOf(edc)).toBe(`${PUBLIC_URL}/status/1#1234`);
  expect(edc.validFrom).toBe('2026-11-20T10:15:30Z');
  expect(edc.validUntil).toBe('2027-11-20T10:15:30Z');
  expect(edc.issued).toBe('2026-11-20T10:16:00Z');
  expect(JSON.stringify(edc)).not.toContain('Lena@Uni.example');
  expect(JSON.stringify(edc)).not.toContain('Ivo');
  const spec = edc.credentialSubject.hasClaim.specifiedBy;
  expect(spec.eqfLevel.id).toBe('http://data.europa.eu/snb/eqf/7');
  expect(spec.creditPoint).toMatchObject({ point: '3', framework: { id: 'http://data.europa.eu/snb/education-credit/6fcec5c5af' } });
  expect(spec.learningOutcome[0].relatedESCOSkill[0].id).toBe('http://data.europa.eu/esco/skill/bfe4f330-d595-48c7-ab3c-f309471d6953');
  expect(edc.issuer.eIDASIdentifier).toMatchObject({
    notation: 'VATNL-001234567B01',
    spatial: { id: 'http://publications.europa.eu/resource/authority/country/NLD' },
  });
  expect(edc.credentialSubject.hasClaim.provenBy.grade.noteLiteral.en).toBe(input.grade?.text);
});

it('the bundled profile and context are the Commission’s files, unchanged', () => {
  const bundled = path.resolve(__dirname, '../../src/edc/profile');
  expect(JSON.parse(readFileSync(path.join(bundled, 'edc-generic-full.ttl.json'), 'utf8')).turtle).toBe(
    readFileSync(path.join(ELM, 'EDC-generic-full.ttl'), 'utf8'),
  );
  expect(JSON.parse(readFileSync(path.join(bundled, 'edc-generic-no-cv.ttl.json'), 'utf8')).turtle).toBe(
    readFileSync(path.join(ELM, 'EDC-generic-no-cv.ttl'), 'utf8'),
  );
  expect(readFileSync(path.join(bundled, 'edc-ap-context.json'), 'utf8')).toBe(readFileSync(path.join(ELM, 'edc-ap-context.jsonld'), 'utf8'));
});

it('checks run side by side, from a cold start, each get their own results', async () => {
  let fresh!: typeof import('../../src/edc/shacl');
  jest.isolateModules(() => {
    fresh = require('../../src/edc/shacl');
  });
  const good = buildEuropeanDigitalCredential(edcInputs(completeDefinition())) as Record<string, any>;
  const broken = structuredClone(good);
  delete broken.issued;
  const [a, b, c] = await Promise.all([fresh.checkFormat(broken), fresh.checkFormat(good), fresh.checkFormat(JSON.parse(sample.payload))]);
  expect(a.conforms).toBe(false);
  expect(a.problems).toHaveLength(1);
  expect(b).toMatchObject({ conforms: true, problems: [] });
  expect(c).toMatchObject({ conforms: true, problems: [] });
});

it('tags the definition’s texts with its language, and microcred’s own sentences as English', () => {
  const def = { ...completeDefinition(), language: 'nl', title: 'Onderzoeksdatabeheer', furtherInformation: 'Zie de studiegids.' };
  const edc = buildEuropeanDigitalCredential(edcInputs(def)) as Record<string, any>;
  expect(edc.displayParameter.title).toEqual({ nl: 'Onderzoeksdatabeheer' });
  expect(edc.displayParameter.description).toEqual({ en: 'has been awarded this micro-credential' });
  expect(edc.displayParameter.primaryLanguage.id).toBe('http://publications.europa.eu/resource/authority/language/NLD');
  const notes = edc.credentialSubject.hasClaim.specifiedBy.additionalNote.map((n: { noteLiteral: object }) => n.noteLiteral);
  expect(notes).toContainEqual({ en: 'Type of assessment: Portfolio.' });
  expect(notes).toContainEqual({ nl: 'Zie de studiegids.' });
});
