// SEAL: our JAdES seal, checked by the verifier and by an independent path (node:crypto's
// verify and X509Certificate, no jose); bad certificates, wrong keys, expired certificates and
// tampered payloads are refused with a clear message; the console facts of a certificate.
import { createHash, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { FlattenedSign } from 'jose';
import { describeCertificate, generateTestSeal, sealFromPem, TEST_SEAL_LABEL } from '../../src/edc/certificates';
import { buildEuropeanDigitalCredential } from '../../src/edc/mapping';
import { sealEdc, verifySeal } from '../../src/edc/seal';
import { completeDefinition } from '../credentials/fixtures';
import { edcInputs } from './fixtures';

const now = new Date();
const seal = generateTestSeal({ organizationName: 'Example University', organizationIdentifier: 'VATNL-001234567B01', country: 'NL', now });
const credential = buildEuropeanDigitalCredential(edcInputs(completeDefinition()));

it('seals like the Commission’s sample: JWS JSON, unencoded payload, x5c, x5t#S256, sigT, crit', async () => {
  const sealed = await sealEdc(credential, seal, now);
  expect(JSON.parse(sealed.payload)).toEqual(credential);
  const header = JSON.parse(Buffer.from(sealed.signatures[0].protected, 'base64url').toString());
  expect(header).toMatchObject({ alg: 'RS256', typ: 'jose+json', b64: false, crit: ['b64', 'sigT'] });
  expect(header.x5c).toEqual([seal.chain[0].raw.toString('base64')]);
  expect(header['x5t#S256']).toBe(createHash('sha256').update(seal.chain[0].raw).digest('base64url'));
  expect(new Date(header.sigT).getTime()).toBeLessThanOrEqual(now.getTime());
});

it('an independent path (node:crypto + X509Certificate, no jose) verifies our seal', async () => {
  const sealed = await sealEdc(credential, seal, now);
  const { protected: protectedHeader, signature } = sealed.signatures[0];
  const header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString());
  const cert = new X509Certificate(Buffer.from(header.x5c[0], 'base64'));
  // RFC 7797: the signing input is the encoded header, a dot and the payload bytes as they are.
  const input = Buffer.concat([Buffer.from(`${protectedHeader}.`, 'ascii'), Buffer.from(sealed.payload, 'utf8')]);
  expect(verify('sha256', input, cert.publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  expect(verify('sha256', Buffer.concat([input, Buffer.from(' ')]), cert.publicKey, Buffer.from(signature, 'base64url'))).toBe(false);
});

it('verifies with the seal as trust anchor, and says why it is not trusted without one', async () => {
  const sealed = await sealEdc(credential, seal, now);
  const trusted = await verifySeal(sealed, seal.chain);
  expect(trusted.messages).toEqual([
    'The JAdES signature (RS256) is valid for the credential as written.',
    expect.stringContaining('The seal certificate was valid at the signing time'),
    expect.stringContaining('The chain ends at a trust anchor'),
  ]);
  expect(trusted.ok).toBe(true);
  const untrusted = await verifySeal(sealed, []);
  expect(untrusted.ok).toBe(false);
  expect(untrusted.messages.at(-1)).toBe('No trust anchors are configured, so the seal’s certificate is not trusted.');
  const other = generateTestSeal({ organizationName: 'Other', organizationIdentifier: 'VATBE-1', country: 'BE', now });
  expect((await verifySeal(sealed, other.chain)).messages.at(-1)).toContain('does not lead to a configured trust anchor');
});

it('a tampered payload is refused', async () => {
  const sealed = await sealEdc(credential, seal, now);
  const tampered = { ...sealed, payload: sealed.payload.replace('Research Data Management', 'Research Data Mastery') };
  const report = await verifySeal(tampered, seal.chain);
  expect(report.ok).toBe(false);
  expect(report.messages.at(-1)).toBe(
    'The seal’s signature does not match the credential: the credential was changed after sealing, or it was sealed with another key.',
  );
});

it('a signature made with another key is refused', async () => {
  const other = generateTestSeal({ organizationName: 'Other', organizationIdentifier: 'VATBE-1', country: 'BE', now });
  // Another key, but the header names our certificate.
  const forged = await sealEdc(credential, { chain: seal.chain, key: other.key }, now);
  const report = await verifySeal(forged, seal.chain);
  expect(report.ok).toBe(false);
  expect(report.messages.at(-1)).toContain('does not match the credential');
});

it('a wrong key or a bad certificate is refused when the seal is configured', () => {
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  expect(() => sealFromPem(seal.chain[0].toString(), otherKey.export({ type: 'pkcs8', format: 'pem' }) as string)).toThrow(
    'The private key does not belong to the seal certificate.',
  );
  expect(() => sealFromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'x')).toThrow('A certificate in the PEM text cannot be read.');
  expect(() => sealFromPem('hello', 'x')).toThrow('No certificate found');
  const pair = sealFromPem(seal.chain[0].toString(), seal.key.export({ type: 'pkcs8', format: 'pem' }) as string);
  expect(pair.chain[0].fingerprint256).toBe(seal.chain[0].fingerprint256);
});

it('an expired or not-yet-valid certificate cannot seal, and an expired one at sigT fails verification', async () => {
  const expired = generateTestSeal({
    organizationName: 'Old',
    organizationIdentifier: 'VATNL-2',
    country: 'NL',
    now: new Date('2020-01-01T00:00:00Z'),
    days: 30,
  });
  await expect(sealEdc(credential, expired, now)).rejects.toThrow(/^The seal certificate expired on 2020-01-31/);
  const future = generateTestSeal({
    organizationName: 'New',
    organizationIdentifier: 'VATNL-3',
    country: 'NL',
    notBefore: new Date(now.getTime() + 86_400_000),
    now,
  });
  await expect(sealEdc(credential, future, now)).rejects.toThrow(/^The seal certificate is not valid yet/);
  // Sealed while valid, but sigT claims a time after expiry: refused.
  const sealedThen = await sealEdc(credential, expired, new Date('2020-01-15T00:00:00Z'));
  expect((await verifySeal(sealedThen, expired.chain)).ok).toBe(true);
  const header = JSON.parse(Buffer.from(sealedThen.signatures[0].protected, 'base64url').toString());
  const resealed = await (async () => {
    const h = { ...header, sigT: '2021-01-01T00:00:00Z' };
    const jws = await new FlattenedSign(new TextEncoder().encode(sealedThen.payload)).setProtectedHeader(h).sign(expired.key, { crit: { sigT: true } });
    return { payload: sealedThen.payload, signatures: [{ protected: jws.protected as string, signature: jws.signature }] };
  })();
  const report = await verifySeal(resealed, expired.chain);
  expect(report.ok).toBe(false);
  expect(report.messages.at(-1)).toMatch(/^At the signing time 2021-01-01T00:00:00.000Z: The seal certificate expired on 2020-01-31/);
});

it('describes a certificate for the console: subject, issuer, validity, QCStatements, test label', () => {
  const facts = describeCertificate(seal.chain[0]);
  expect(facts.subject).toContain('O=Example University');
  expect(facts.subject).toContain(TEST_SEAL_LABEL);
  expect(facts.organizationIdentifier).toBe('VATNL-001234567B01');
  expect(facts.country).toBe('NL');
  expect(facts).toMatchObject({ selfSigned: true, testSeal: true, qualified: false, qualifiedSeal: false, qcStatements: [] });
});

it('reads the QCStatements of the Commission sample’s qualified seal certificate', () => {
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const signed = JSON.parse(readFileSync(`${__dirname}/../../../shared/conformance/elm/Sample-MC-Annex1-signed.jsonld`, 'utf8'));
  const header = JSON.parse(Buffer.from(signed.signatures[0].protected, 'base64url').toString());
  const facts = describeCertificate(new X509Certificate(Buffer.from(header.x5c[0], 'base64')));
  expect(facts.qualified).toBe(true);
  expect(facts.qualifiedSeal).toBe(true);
  expect(facts.issuer).toContain('ANF AC Qualified Certificates for eSeal');
});

it('verifies the Commission’s own sealed sample (real JAdES from a qualified eSeal), and tells when its CA is not a trust anchor', async () => {
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const signed = JSON.parse(readFileSync(`${__dirname}/../../../shared/conformance/elm/Sample-MC-Annex1-signed.jsonld`, 'utf8'));
  const header = JSON.parse(Buffer.from(signed.signatures[0].protected, 'base64url').toString());
  expect(header.crit).toEqual(['b64', 'sigT', 'adoTst']);
  const signer = new X509Certificate(Buffer.from(header.x5c[0], 'base64'));
  const trusted = await verifySeal(signed, [signer]);
  expect(trusted.messages.slice(0, 2)).toEqual([
    'The JAdES signature (RS256) is valid for the credential as written.',
    'The seal certificate was valid at the signing time (2023-09-27T11:54:17.000Z).',
  ]);
  expect(trusted.ok).toBe(true);
  const untrusted = await verifySeal(signed, []);
  expect(untrusted.ok).toBe(false);
  expect(untrusted.messages.at(-1)).toBe('No trust anchors are configured, so the seal’s certificate is not trusted.');
});
