// What "Add to a wallet" shows for OpenID4VCI: a fresh offer for the award, as a QR code for a
// phone and the same openid-credential-offer:// link for this device, with the transaction code
// the wallet will ask for. Used by My badges (in the launch) and the holder's page (public),
// beside the VC-API exchange (src/wallets/addToWallet.ts). View model only: no express, no SQL.
import { qrSvg, type WalletOffer } from './addToWallet';
import { offerLink } from './openid4vci';
import type { Oid4vciStore } from './openid4vciStore';

export interface Openid4vciOfferView extends WalletOffer {
  /** Shown on the learner's screen only; absent when the offer has none. */
  txCode?: string;
  awardId: number;
}

export async function openid4vciOffer(
  store: Oid4vciStore,
  input: { awardId: number; learnerId: number; locale: string; withTxCode: boolean; publicUrl: string; qrLabel: string },
): Promise<Openid4vciOfferView> {
  const made = await store.createOffer(input);
  const link = offerLink(input.publicUrl, made.offer.id);
  return { link, qrSvg: await qrSvg(link, input.qrLabel), expiresAt: made.offer.expiresAt, txCode: made.txCode, awardId: input.awardId };
}
