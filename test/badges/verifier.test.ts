// The app's verifier runs a bounded number of verifications at once (each holds tens of MB
// while JSON-LD is canonicalized); more wait their turn, and beyond the queue the caller is
// told to try again instead of the process holding them all in memory.
import { generateKeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity } from '../../src/badges/sign';
import { Verifier } from '../../src/badges/verifier';
import { fullBadge } from './fixtures';

it('verifies at most `concurrency` at once, queues some, refuses the rest with 503 VERIFY_BUSY', async () => {
  const key = await generateKeyPair();
  const url = 'https://issuer.example/status/1';
  const credential = await signCredentialDataIntegrity(
    fullBadge(key.controller, {
      credentialStatus: { id: `${url}#1`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '1', statusListCredential: url },
    }),
    key,
  );
  // The status list "fetch" waits until released: a verification holds its turn meanwhile.
  const gates: (() => void)[] = [];
  const verifier = new Verifier({ fetchStatusList: () => new Promise((resolve) => gates.push(() => resolve(undefined))), concurrency: 1, queue: 1 });
  const first = verifier.verify(credential);
  const second = verifier.verify(credential);
  await expect(verifier.verify(credential)).rejects.toMatchObject({
    status: 503,
    code: 'VERIFY_BUSY',
    message: 'Too many credentials are being checked at the moment.',
  });
  while (gates.length < 1) await new Promise((r) => setTimeout(r, 10));
  gates[0]();
  expect((await first).checks.find((c) => c.id === 'status')?.status).toBe('warning');
  while (gates.length < 2) await new Promise((r) => setTimeout(r, 10));
  gates[1]();
  await second;
  expect(verifier.slots.peak).toBe(1);
});
