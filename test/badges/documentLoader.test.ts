import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { bundledContexts } from '../../src/badges/contexts';
import { createDocumentLoader, documentLoader, DocumentNotBundledError } from '../../src/badges/documentLoader';
import { generateKeyPair } from '../../src/badges/keys';

const CONFORMANCE = path.resolve(__dirname, '../../../shared/conformance');

describe('bundled contexts', () => {
  it('has the VC 2.0 context', async () => {
    const { document, documentUrl } = await documentLoader('https://www.w3.org/ns/credentials/v2');
    expect(documentUrl).toBe('https://www.w3.org/ns/credentials/v2');
    const context = (document as any)['@context'];
    expect(context.VerifiableCredential['@id']).toBe('https://www.w3.org/2018/credentials#VerifiableCredential');
    expect(context.DataIntegrityProof).toBeDefined();
    expect(context.BitstringStatusListEntry).toBeDefined();
    expect(context['@vocab']).toBeUndefined();
  });

  it('marks its own contexts static, so jsonld.js resolves each once per process, and nothing else', async () => {
    expect((await documentLoader('https://www.w3.org/ns/credentials/v2')).tag).toBe('static');
    expect((await documentLoader('https://x.example/contexts/microcred-v2.json')).tag).toBe('static');
    const { controller } = await generateKeyPair();
    expect((await documentLoader(controller)).tag).toBeUndefined();
    const resolved = await createDocumentLoader({ resolve: async () => ({ id: 'https://issuer.example/keys/1' }) })('https://issuer.example/keys/1');
    expect(resolved.tag).toBeUndefined();
  });

  it('serves every version of microcred’s context, from any installation, each as it was', async () => {
    const v1 = (await documentLoader('https://badges.other-uni.example/contexts/microcred-v1.json')).document as any;
    const v2 = (await documentLoader('http://localhost:3000/tools/mc/contexts/microcred-v2.json')).document as any;
    // v1 stays as credentials signed with it were canonicalised; v2 leaves ECTS untyped.
    expect(v1['@context'].ECTS).toEqual({ '@id': 'edu:ects', '@type': 'xsd:decimal' });
    expect(v2['@context'].ECTS).toEqual({ '@id': 'edu:ects' });
    expect({ ...v2['@context'], ECTS: undefined, weight: undefined }).toEqual({ ...v1['@context'], ECTS: undefined, weight: undefined });
    for (const url of [
      'https://x.example/contexts/microcred-v3.json',
      'https://x.example/contexts/microcred-v2.json?x=1',
      'ftp://x.example/contexts/microcred-v2.json',
    ]) {
      await expect(documentLoader(url)).rejects.toThrow(DocumentNotBundledError);
    }
  });

  it('has the OB 3.0.3 context, with the terms 1EdTech added in 3.0.3', async () => {
    const { document } = await documentLoader('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json');
    const context = (document as any)['@context'];
    expect(context.OpenBadgeCredential['@id']).toBe('https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential');
    expect(context.AchievementCredential['@id']).toBe('OpenBadgeCredential');
    expect(context.awardedDate).toBeDefined();
    expect(context.jti).toBeDefined();
    expect(context.Achievement['@context'].inLanguage).toBeDefined();
  });

  it.each([
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json',
    'https://purl.imsglobal.org/spec/ob/v3p0/context.json',
    'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    'https://www.w3.org/2018/credentials/v1',
    'https://www.w3.org/ns/credentials/status/v1',
    'https://w3id.org/security/data-integrity/v2',
    'https://w3id.org/security/multikey/v1',
    'https://www.w3.org/ns/did/v1',
    'https://raw.githubusercontent.com/educredentials/obv3-examples/refs/heads/main/contexts/educredential.json',
  ])('has %s', async (url) => {
    const { document } = await documentLoader(url);
    expect((document as any)['@context']).toBeDefined();
  });

  it('every bundled file is a JSON-LD context document', () => {
    for (const [url, document] of bundledContexts) {
      expect([url, typeof (document as any)['@context']]).toEqual([url, 'object']);
    }
  });

  const edubadges = path.join(CONFORMANCE, 'edubadges/educredential_context.json');
  it('the edubadges context is the conformance copy, unchanged', () => {
    expect(existsSync(edubadges) ? edubadges : `missing: ${edubadges} (../shared/conformance beside the repository)`).toBe(edubadges);
    const bundled = path.resolve(__dirname, '../../src/badges/contexts/edubadges-educredential.json');
    expect(readFileSync(bundled, 'utf8')).toBe(readFileSync(edubadges, 'utf8'));
  });
});

describe('offline', () => {
  it('refuses unbundled URLs with an error naming the URL, and never opens a connection', async () => {
    const connect = jest.spyOn(net.Socket.prototype, 'connect');
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    try {
      for (const url of [
        'https://example.org/contexts/unknown.json',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-9.9.9.json',
        'did:web:example.org',
        'http://www.w3.org/ns/credentials/v2',
      ]) {
        const error = await documentLoader(url).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DocumentNotBundledError);
        expect((error as Error).message).toContain(url);
        expect((error as Error).message).toMatch(/not bundled/);
      }
      expect(connect).not.toHaveBeenCalled();
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      connect.mockRestore();
      fetchSpy.mockRestore();
    }
  });
});

describe('did:key', () => {
  it('resolves an Ed25519 did:key to its DID document and its key to a Multikey', async () => {
    const key = await generateKeyPair();
    const { document: did } = await documentLoader(key.controller);
    expect(did).toMatchObject({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: key.controller,
      assertionMethod: [key.id],
    });
    const { document: method } = await documentLoader(key.id);
    expect(method).toEqual({
      '@context': 'https://w3id.org/security/multikey/v1',
      id: key.id,
      type: 'Multikey',
      controller: key.controller,
      publicKeyMultibase: key.publicKeyMultibase,
    });
  });

  it('refuses a did:key that is not a valid Ed25519 key, or a fragment that is not the key', async () => {
    const key = await generateKeyPair();
    for (const url of ['did:key:z6MkNotAKey', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', `${key.controller}#other`]) {
      await expect(documentLoader(url)).rejects.toThrow(DocumentNotBundledError);
    }
  });
});

describe('extra resolver', () => {
  it('is asked only for what is not bundled, and cannot replace a bundled context', async () => {
    const asked: string[] = [];
    const loader = createDocumentLoader({
      resolve: (url) => {
        asked.push(url);
        return url === 'https://issuer.example/keys/1' ? { id: url, type: 'Multikey' } : { '@context': { evil: true } };
      },
    });
    expect((await loader('https://issuer.example/keys/1')).document).toEqual({ id: 'https://issuer.example/keys/1', type: 'Multikey' });
    const { document } = await loader('https://www.w3.org/ns/credentials/v2');
    expect((document as any)['@context'].evil).toBeUndefined();
    expect(asked).toEqual(['https://issuer.example/keys/1']);
  });

  it('returning undefined falls through to the "not bundled" error', async () => {
    const loader = createDocumentLoader({ resolve: async () => undefined });
    await expect(loader('https://elsewhere.example/doc')).rejects.toThrow('https://elsewhere.example/doc');
  });
});
