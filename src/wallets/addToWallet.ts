// What "Add to a wallet" shows for one protocol: a QR code for a phone and the same link for
// this device. Shared by My badges (in the launch) and the holder's page (public), so both
// show the same thing. Part of the view model only: no express, no SQL.
import QRCode from 'qrcode';
import type { OpenedExchange } from './vcApiExchanges';

export interface WalletOffer {
  /** The link (deep link or offer URI) the wallet opens. */
  link: string;
  /** The same link as an inline SVG QR code (no script, no data: URL: allowed by our CSP). */
  qrSvg: string;
  expiresAt: Date;
}

/** An inline SVG QR code with an accessible name; `label` is escaped here. */
export async function qrSvg(text: string, label: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const escaped = label.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return svg.replace('<svg ', `<svg role="img" aria-label="${escaped}" class="qr" `);
}

export async function vcApiOffer(opened: OpenedExchange, qrLabel: string): Promise<WalletOffer> {
  return { link: opened.deepLink, qrSvg: await qrSvg(opened.deepLink, qrLabel), expiresAt: opened.expiresAt };
}
