/**
 * Credentials for the badge tests, built from the 1EdTech examples copied into fixtures/
 * (full_example.json, minimal_valid.json: shared/conformance/ob3; the edubadges example:
 * shared/conformance/edubadges) with a did:key issuer, so they can really be signed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Ed25519KeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity } from '../../src/badges/sign';
import { encodeStatusList } from '../../src/badges/statusList';

export type Json = Record<string, any>;

/** Every test checks validity against this moment, not the wall clock. */
export const NOW = new Date('2025-06-01T12:00:00Z');
export const STATUS_LIST_URL = 'https://issuer.example/status/1';
export const STATUS_INDEX = 94567;

export function fixture(name: string): Json {
  return JSON.parse(readFileSync(path.join(__dirname, 'fixtures', name), 'utf8'));
}

/** The full 1EdTech example, issued by `issuerId`, valid 2024-09-01 … 2029-09-01. */
export function fullBadge(issuerId: string, overrides: Json = {}): Json {
  const credential = fixture('full_example.json');
  credential.id = 'urn:uuid:5a0c1a5e-6b1f-4d0c-9a53-8f8a6d1c2b3e';
  credential.issuer.id = issuerId;
  credential.validFrom = '2024-09-01T00:00:00Z';
  credential.validUntil = '2029-09-01T00:00:00Z';
  credential.credentialSubject.id = 'did:example:learner-42';
  // The example's 1EdTechRevocationList cannot be checked; tests add a Bitstring entry when needed.
  delete credential.credentialStatus;
  return { ...credential, ...overrides };
}

/** The minimal example, issued by `issuerId`. */
export function minimalBadge(issuerId: string, overrides: Json = {}): Json {
  const credential = fixture('minimal_valid.json');
  credential.issuer.id = issuerId;
  return { ...credential, ...overrides };
}

export function statusEntry(purpose: 'revocation' | 'suspension' = 'revocation', index = STATUS_INDEX): Json {
  return {
    id: `${STATUS_LIST_URL}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: STATUS_LIST_URL,
  };
}

/** A signed BitstringStatusListCredential with the given indexes set. */
export async function statusListCredential(key: Ed25519KeyPair, setIndexes: number[], purpose: 'revocation' | 'suspension' = 'revocation'): Promise<Json> {
  return signCredentialDataIntegrity(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: STATUS_LIST_URL,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: key.controller,
      validFrom: '2024-01-01T00:00:00Z',
      credentialSubject: {
        id: `${STATUS_LIST_URL}#list`,
        type: 'BitstringStatusList',
        statusPurpose: purpose,
        encodedList: encodeStatusList(new Set(setIndexes)),
      },
    },
    key,
  );
}

export function check(report: { checks: Array<{ id: string; status: string; message: string }> }, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check`);
  return found;
}

/** Replace the payload of a compact JWS, keeping its header and signature. */
export function withPayload(jwt: string, change: (payload: Json) => void): string {
  const [header, payload, signature] = jwt.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  change(decoded);
  return [header, Buffer.from(JSON.stringify(decoded)).toString('base64url'), signature].join('.');
}
