// Sending mail: one nodemailer transport built from SMTP_URL. Without SMTP_URL the mailer is
// off, says so (the admin console shows it) and sends nothing. A refusal or an unreachable
// server throws, so the background job that called it fails and pg-boss retries it.
import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** e.g. List-Unsubscribe (RFC 2369) and List-Unsubscribe-Post (RFC 8058). */
  headers?: Record<string, string>;
  /** The message's language (Content-Language). */
  lang: string;
}

export class Mailer {
  private readonly transport?: Transporter;

  constructor(
    smtpUrl: string | undefined,
    readonly from: string,
  ) {
    // A job waits for the server at most this long, then fails and is retried later.
    if (smtpUrl) this.transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });
  }

  /** Whether SMTP_URL is set: without it nothing is sent. */
  get enabled(): boolean {
    return this.transport !== undefined;
  }

  /** Sends one message; throws when the server refuses it or cannot be reached. */
  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    if (!this.transport) throw new Error('Mail is off: SMTP_URL is not set.');
    const info = await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: { ...mail.headers, 'Content-Language': mail.lang },
    });
    return { messageId: info.messageId };
  }

  close(): void {
    this.transport?.close();
  }
}
