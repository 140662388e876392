// DID Authentication as the DCC Learner Credential Wallet signs it (Ed25519Signature2020,
// did:key, VC 1.1 or 2.0 context) and as Data Integrity eddsa-rdfc-2022: accepted only over our
// challenge (and our domain when one is signed), for a did:key holder who signed it themselves.
// Real signatures from the wallet simulator's own keys; no mocks.
import { verifyDidAuthentication } from '../../src/wallets/didAuth';
import { WalletSimulator } from '../support/walletSimulator';

const challenge = '3f0b8a7e-8c1d-4c41-9b52-6f8a1e2d7c10';
const domain = 'https://microcred.example';
let wallet: WalletSimulator;
let other: WalletSimulator;

beforeAll(async () => {
  wallet = await WalletSimulator.create();
  other = await WalletSimulator.create();
});

describe('accepted', () => {
  it.each([
    ['Ed25519Signature2020, VC 1.1 context (LCW)', { proof: 'Ed25519Signature2020' as const, vcVersion: 1 as const }],
    ['Ed25519Signature2020, VC 2.0 context', { proof: 'Ed25519Signature2020' as const, vcVersion: 2 as const }],
    ['DataIntegrityProof eddsa-rdfc-2022', { proof: 'eddsa-rdfc-2022' as const, vcVersion: 2 as const }],
  ])('%s: returns the holder DID', async (_name, opts) => {
    const vp = await wallet.didAuthentication({ challenge, ...opts });
    expect((vp.proof as { type: string }).type).toBe(opts.proof === 'eddsa-rdfc-2022' ? 'DataIntegrityProof' : 'Ed25519Signature2020');
    await expect(verifyDidAuthentication(vp, { challenge, domain })).resolves.toBe(wallet.did);
  });

  it('with our domain signed in (the VC-API request names it)', async () => {
    const vp = await wallet.didAuthentication({ challenge, domain });
    await expect(verifyDidAuthentication(vp, { challenge, domain })).resolves.toBe(wallet.did);
  });
});

describe('refused with a clear protocol error', () => {
  const refused = async (vp: unknown, status: number, code: string) =>
    expect(verifyDidAuthentication(vp, { challenge, domain })).rejects.toMatchObject({ status, code });

  it('another challenge', async () => {
    await refused(await wallet.didAuthentication({ challenge: 'not-the-challenge' }), 401, 'WRONG_CHALLENGE');
  });

  it('another domain', async () => {
    await refused(await wallet.didAuthentication({ challenge, domain: 'https://evil.example' }), 401, 'WRONG_DOMAIN');
  });

  it('the challenge edited after signing (the signature no longer verifies)', async () => {
    const vp = await wallet.didAuthentication({ challenge: 'signed-over-this' });
    (vp.proof as Record<string, unknown>).challenge = challenge;
    await refused(vp, 401, 'INVALID_DID_AUTH');
  });

  it('a holder who did not sign it', async () => {
    await refused(await other.didAuthentication({ challenge, holder: wallet.did }), 401, 'HOLDER_MISMATCH');
  });

  it('an unknown DID method', async () => {
    await refused(await wallet.didAuthentication({ challenge, holder: 'did:web:wallet.example' }), 400, 'UNSUPPORTED_DID_METHOD');
    await refused(await wallet.didAuthentication({ challenge, holder: 'did:example:123' }), 400, 'UNSUPPORTED_DID_METHOD');
  });

  it('no holder, no proof, two proofs, another proof type or purpose', async () => {
    const vp = await wallet.didAuthentication({ challenge });
    const { holder: _h, ...noHolder } = vp;
    await refused(noHolder, 400, 'HOLDER_MISSING');
    const { proof, ...noProof } = vp;
    await refused(noProof, 401, 'PROOF_MISSING');
    await refused({ ...vp, proof: [proof, proof] }, 401, 'PROOF_MISSING');
    await refused({ ...vp, proof: { ...(proof as object), type: 'JsonWebSignature2020' } }, 400, 'UNSUPPORTED_PROOF_TYPE');
    await refused({ ...vp, proof: { ...(proof as object), proofPurpose: 'assertionMethod' } }, 401, 'WRONG_PROOF_PURPOSE');
  });

  it('not a presentation, or one carrying credentials', async () => {
    for (const body of [null, 'text', [1], { type: 'VerifiableCredential' }]) await refused(body, 400, 'NOT_A_PRESENTATION');
    const vp = await wallet.didAuthentication({ challenge });
    await refused({ ...vp, verifiableCredential: [{ type: ['VerifiableCredential'] }] }, 400, 'UNEXPECTED_CREDENTIALS');
  });
});
