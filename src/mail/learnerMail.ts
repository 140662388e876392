// What a learner's mail says when a badge is issued or revoked, in the LMS's language: the
// share link, the printable certificate, how to add the badge to a wallet, and the one-click
// unsubscribe link. Pure: strings in, message out (the job in notifications.ts sends it).
import type { Translate } from '../i18n';
import type { OutgoingMail } from './mailer';

export interface LearnerMailFacts {
  to: string;
  lang: string;
  learnerName?: string | null;
  title: string;
  issuerName: string;
  shareUrl: string;
  certificateUrl: string;
  jsonUrl: string;
  unsubscribeUrl: string;
  /** Revocation only: the reason the issuer gave. */
  reason?: string | null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Mail clients offer "unsubscribe" from these headers; the POST form is one click (RFC 8058). */
const unsubscribeHeaders = (url: string) => ({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });

function message(t: Translate, f: LearnerMailFacts, subject: string, paragraphs: string[], links: { label: string; url: string }[]): OutgoingMail {
  const greeting = f.learnerName ? t('mail.greeting', { name: f.learnerName }) : t('mail.greetingNoName');
  const footer = t('mail.footer', { issuer: f.issuerName });
  const unsubscribe = t('mail.unsubscribe');
  const text = [
    greeting,
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    ...links.map((l) => `${l.label}: ${l.url}`),
    '',
    '-- ',
    footer,
    `${unsubscribe}: ${f.unsubscribeUrl}`,
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="${escapeHtml(f.lang)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>
<p>${escapeHtml(greeting)}</p>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<ul>${links.map((l) => `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a></li>`).join('')}</ul>
<hr><p style="color:#555">${escapeHtml(footer)}<br><a href="${escapeHtml(f.unsubscribeUrl)}">${escapeHtml(unsubscribe)}</a></p>
</body></html>`;
  return { to: f.to, subject, text, html, lang: f.lang, headers: unsubscribeHeaders(f.unsubscribeUrl) };
}

/** "You earned …": the share link, the certificate, and how to keep the badge in a wallet. */
export function issuedMail(t: Translate, f: LearnerMailFacts): OutgoingMail {
  return message(
    t,
    f,
    t('mail.issued.subject', { title: f.title }),
    [t('mail.issued.body', { title: f.title, issuer: f.issuerName }), t('mail.issued.share'), t('mail.issued.wallet')],
    [
      { label: t('mail.issued.shareLink'), url: f.shareUrl },
      { label: t('mail.issued.certificate'), url: f.certificateUrl },
      { label: t('mail.issued.walletFile'), url: f.jsonUrl },
    ],
  );
}

/** "… was revoked": the reason, and that verification now says so. */
export function revokedMail(t: Translate, f: LearnerMailFacts): OutgoingMail {
  return message(
    t,
    f,
    t('mail.revoked.subject', { title: f.title }),
    [
      t('mail.revoked.body', { title: f.title, issuer: f.issuerName }),
      ...(f.reason ? [t('mail.revoked.reason', { reason: f.reason })] : []),
      t('mail.revoked.verification'),
    ],
    [{ label: t('mail.revoked.shareLink'), url: f.shareUrl }],
  );
}
