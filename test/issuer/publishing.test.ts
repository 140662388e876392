// The issuer's public identifiers (did:web from PUBLIC_URL) and what is published for
// verifiers: the Profile, the logo and the DID document, over real HTTP.
import type { AddressInfo } from 'node:net';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import express from 'express';
import { IssuerProfileStore } from '../../src/issuer/issuerProfile';
import { SigningKeys } from '../../src/issuer/signingKeys';
import { didDocumentPath, didDocumentUrl, didForPublicUrl, issuerIdentity, keyIdFor, profileUrl } from '../../src/badges/issuerIdentity';
import { publishingPages } from '../../src/issuer/publishingPages';
import ob3Schema from '../../src/credentials/schemas/ob_v3p0_achievementcredential_schema.json';
import { startTestTool, type TestTool } from '../support/tool';

describe('issuer identifiers from PUBLIC_URL', () => {
  it('localhost with a port: the port is percent-encoded', () => {
    expect(didForPublicUrl('http://localhost:3000')).toBe('did:web:localhost%3A3000');
    expect(didDocumentPath('http://localhost:3000')).toBe('/.well-known/did.json');
    expect(didDocumentUrl('http://localhost:3000')).toBe('http://localhost:3000/.well-known/did.json');
    expect(profileUrl('http://localhost:3000')).toBe('http://localhost:3000/issuer');
  });

  it('a plain https host', () => {
    const id = issuerIdentity('https://Badges.Uni.Example');
    expect(id.did).toBe('did:web:badges.uni.example');
    expect(id.didDocumentPath).toBe('/.well-known/did.json');
    expect(id.didDocumentUrl).toBe('https://badges.uni.example/.well-known/did.json');
    expect(id.keyId('key-1')).toBe('did:web:badges.uni.example#key-1');
    expect(keyIdFor(id.did, 'key-7')).toBe('did:web:badges.uni.example#key-7');
    // The default port is not part of the identifier.
    expect(didForPublicUrl('https://badges.uni.example:443')).toBe('did:web:badges.uni.example');
  });

  it('a path: its segments follow the host, and the document is <path>/did.json', () => {
    expect(didForPublicUrl('https://uni.example/tools/microcred')).toBe('did:web:uni.example:tools:microcred');
    expect(didDocumentPath('https://uni.example/tools/microcred')).toBe('/tools/microcred/did.json');
    expect(didForPublicUrl('https://uni.example:8443/microcred')).toBe('did:web:uni.example%3A8443:microcred');
    expect(issuerIdentity('https://uni.example/microcred/').profileUrl).toBe('https://uni.example/microcred/issuer');
  });
});

describe('published over HTTP', () => {
  let tool: TestTool;
  let store: IssuerProfileStore;

  beforeAll(async () => {
    tool = await startTestTool();
    store = new IssuerProfileStore(tool.database.db);
  });
  afterAll(async () => {
    await tool?.stop();
  });

  it('answers 404 with a JSON error while there is no issuer profile', async () => {
    for (const path of ['/issuer', '/issuer/logo']) {
      const res = await fetch(`${tool.base}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect((await res.json()).error.code).toMatch(/NO_ISSUER_PROFILE|NO_LOGO/);
    }
  });

  it('serves the Profile as JSON that validates against the official Profile schema, cached briefly', async () => {
    await store.save({
      name: 'Example University',
      url: 'https://www.uni.example',
      email: 'badges@uni.example',
      countryCode: 'NL',
      region: 'Utrecht',
      description: 'A university.',
      identifiers: [
        { identifierType: 'ext:BRIN', identifier: '21PB' },
        { identifierType: 'sourcedId', identifier: 'uni-1' },
      ],
      qaBodyName: 'NVAO',
      qaBodyUrl: 'https://www.nvao.net',
      qaType: 'institutional accreditation',
      qaPolicyUrl: 'https://www.uni.example/quality',
    });
    const res = await fetch(`${tool.base}/issuer`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('set-cookie')).toBeNull();
    const profile = await res.json();
    expect(profile).toMatchObject({
      id: tool.signingKeys.did,
      type: ['Profile'],
      name: 'Example University',
      url: 'https://www.uni.example',
      email: 'badges@uni.example',
      description: 'A university.',
      address: { type: ['Address'], addressCountryCode: 'NL', addressCountry: 'Netherlands', addressRegion: 'Utrecht' },
      otherIdentifier: [
        { type: 'IdentifierEntry', identifier: '21PB', identifierType: 'ext:BRIN' },
        { type: 'IdentifierEntry', identifier: 'uni-1', identifierType: 'sourcedId' },
      ],
    });
    expect(profile.image).toBeUndefined();

    const ajv = new Ajv2019({ allErrors: true, strictTuples: false });
    addFormats(ajv);
    ajv.addSchema(ob3Schema);
    const validate = ajv.compile({ $ref: `${ob3Schema.$id}#/$defs/Profile` });
    expect(validate(profile) ? [] : validate.errors).toEqual([]);
    // The schema's own IdentifierEntry check rejects a bad type, so the test above has teeth.
    expect(validate({ ...profile, otherIdentifier: [{ type: 'IdentifierEntry', identifier: 'x', identifierType: 'BRIN' }] })).toBe(false);
  });

  it('serves the logo with its type, nosniff, and a sandbox for SVG', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    const current = (await store.get())!;
    await store.save(current, { bytes: Buffer.from(svg), type: 'image/svg+xml' });
    let res = await fetch(`${tool.base}/issuer/logo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'; style-src 'unsafe-inline'");
    expect(await res.text()).toBe(svg);
    expect((await (await fetch(`${tool.base}/issuer`)).json()).image).toEqual({ id: `${tool.base}/issuer/logo`, type: 'Image' });

    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
    await store.save(current, { bytes: png, type: 'image/png' });
    res = await fetch(`${tool.base}/issuer/logo`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);

    await store.save(current, 'remove');
    expect((await fetch(`${tool.base}/issuer/logo`)).status).toBe(404);
  });

  it('serves the DID document at /.well-known/did.json with every key', async () => {
    const { row } = await tool.signingKeys.activeKeyPair();
    const res = await fetch(`${tool.base}/.well-known/did.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/did\+ld\+json/);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const doc = await res.json();
    // Each key twice: as the Multikey Data Integrity proofs name, and as the JWK a JWT's kid names.
    const { keyPair } = await tool.signingKeys.activeKeyPair();
    expect(doc).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1', 'https://w3id.org/security/jwk/v1'],
      id: tool.signingKeys.did,
      alsoKnownAs: [`${tool.base}/issuer`],
      verificationMethod: [
        { id: row.verificationMethod, type: 'Multikey', controller: tool.signingKeys.did, publicKeyMultibase: row.publicKeyMultibase },
        {
          id: row.jsonWebKeyMethod,
          type: 'JsonWebKey',
          controller: tool.signingKeys.did,
          publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(keyPair.multikey.publicKey).toString('base64url') },
        },
      ],
      assertionMethod: [row.verificationMethod, row.jsonWebKeyMethod],
    });
    expect(row.jsonWebKeyMethod).toBe(`${row.verificationMethod}-jwk`);
    expect(JSON.stringify(doc)).not.toContain('secretKey');
  });

  it('with a path in PUBLIC_URL, serves <path>/did.json (and /did.json for a proxy that strips the path)', async () => {
    const publicUrl = 'https://uni.example/microcred';
    const keys = new SigningKeys(tool.database.db, Buffer.alloc(32, 7), publicUrl);
    const app = express().use(publishingPages({ issuer: store, signingKeys: keys, publicUrl }));
    const server = app.listen(0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/microcred/did.json', '/did.json']) {
        const res = await fetch(`${base}${path}`);
        expect(res.status).toBe(200);
        expect((await res.json()).id).toBe('did:web:uni.example:microcred');
      }
      expect((await fetch(`${base}/.well-known/did.json`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
