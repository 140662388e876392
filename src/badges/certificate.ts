// The printable certificate of an issued credential: a tagged, accessible PDF (pdfkit) with
// the badge image, the learner's name (when asked by the learner), the title, the Annex I
// elements, the issuer, the date and the validity, a QR code to the verification page, and
// the signed credential JSON attached as a file, so the PDF itself carries the credential.
// Pure: credential and image in, PDF bytes out (src/badges/documentPages.ts serves it).
import type PDFKitDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { Translate } from '../i18n';
import { FONT_FILES } from './fonts';

export interface CertificateInput {
  /** The signed OB 3.0 credential, as issued. */
  credential: Record<string, any>;
  /** The badge image (PNG). */
  badgePng: Buffer;
  /** Where the QR code and the printed address lead: the credential's page, which verifies it. */
  verifyUrl: string;
  /** The page anyone can upload the attached file to. */
  verifyPageUrl: string;
  /** Only on the learner's own copy: the public certificate names no one, as the credential does. */
  learnerName?: string;
  lang: string;
  t: Translate;
}

/** The Annex I elements the certificate prints, as label → text, from the credential itself. */
export function certificateElements(c: Record<string, any>, t: Translate): { label: string; value: string }[] {
  const a = c.credentialSubject?.achievement ?? {};
  const vocab = (kind: string, value: unknown) =>
    typeof value === 'string' && t.has(`credentials.vocabulary.${kind}.${value}`) ? t(`credentials.vocabulary.${kind}.${value}`) : value ? String(value) : '';
  const alignments = (a.alignment ?? []) as { targetType?: string; targetName?: string; targetUrl?: string }[];
  const credits = [
    a.ECTS !== undefined ? t('certificate.creditsValue', { ects: a.ECTS }) : '',
    a.timeInvestment !== undefined ? t('certificate.hoursValue', { hours: a.timeInvestment }) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const level = alignments
    .filter((al) => ['ext:EQF', 'ext:QF-EHEA', 'ext:NQF'].includes(al.targetType ?? ''))
    .map((al) => al.targetName)
    .join(' · ');
  const qaAlignment = alignments.find((al) => al.targetType === 'ext:QualityAssurance');
  const qa = [a.qualityAssuranceType ?? qaAlignment?.targetName, qaAlignment?.targetUrl].filter(Boolean).join(' · ');
  const notStated = t('certificate.notStated');
  return [
    { label: t('certificate.credits'), value: credits || notStated },
    { label: t('certificate.level'), value: level || notStated },
    { label: t('certificate.assessment'), value: vocab('assessmentType', a.assessmentType) || notStated },
    { label: t('certificate.identity'), value: vocab('supervisionType', a.supervisionType) || notStated },
    { label: t('certificate.qa'), value: qa || notStated },
  ];
}

const day = (iso: unknown) => (typeof iso === 'string' ? iso.slice(0, 10) : '');

/** The file name of the attached credential. */
export const ATTACHED_CREDENTIAL = 'credential.json';

export async function renderCertificate(input: CertificateInput): Promise<Buffer> {
  // pdfkit (with its fonts engine, ~23 MiB) is loaded with the first certificate, not at start.
  const PDFDocument = require('pdfkit') as typeof PDFKitDocument;
  const { credential: c, t } = input;
  const title = String(c.name ?? 'Micro-credential');
  const issuerName = String(c.issuer?.name ?? '');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    tagged: true,
    lang: input.lang,
    displayTitle: true,
    pdfVersion: '1.7',
    // A fixed date for a fixed credential: the same certificate twice is the same file.
    info: { Title: t('certificate.docTitle', { title }), Author: issuerName, Subject: title, Creator: 'microcred', CreationDate: new Date(c.validFrom ?? 0) },
    autoFirstPage: true,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', FONT_FILES.regular);
  doc.registerFont('bold', FONT_FILES.bold);
  doc.file(Buffer.from(JSON.stringify(c, null, 2)), {
    name: ATTACHED_CREDENTIAL,
    type: 'application/vc+ld+json',
    description: t('certificate.attachmentDescription'),
    // PDF 2.0 / PDF/A-3's AFRelationship: the credential is the source of what the page shows.
    relationship: 'Source',
  } as PDFKit.Mixins.PDFAttachmentOptions);

  const width = doc.page.width - 112;
  const root = doc.struct('Document');
  doc.addStructure(root);
  const para = (tag: string, font: 'regular' | 'bold', size: number, text: string, opts: PDFKit.Mixins.TextOptions = {}) =>
    root.add(
      doc.struct(tag, {}, () =>
        doc
          .font(font)
          .fontSize(size)
          .fillColor('#1a1a1a')
          .text(text, { width, ...opts }),
      ),
    );

  // A frame around the page: decoration, not content.
  doc.markContent('Artifact', { type: 'Layout' });
  doc
    .lineWidth(2)
    .strokeColor('#2b4c7e')
    .rect(28, 28, doc.page.width - 56, doc.page.height - 56)
    .stroke();
  doc.endMarkedContent();

  const imageSize = 120;
  root.add(
    doc.struct('Figure', { alt: t('certificate.badgeAlt', { title }) }, () => {
      doc.image(input.badgePng, (doc.page.width - imageSize) / 2, 56, { width: imageSize, height: imageSize });
    }),
  );
  doc.y = 56 + imageSize + 16;
  para('P', 'regular', 12, t('certificate.heading').toUpperCase(), { align: 'center' });
  doc.moveDown(0.6);
  para('P', 'regular', 12, input.learnerName ? t('certificate.awardedTo', { name: input.learnerName }) : t('certificate.awardedToHolder'), { align: 'center' });
  doc.moveDown(0.4);
  para('H1', 'bold', 24, title, { align: 'center' });
  doc.moveDown(0.4);
  para('P', 'regular', 12, t('certificate.issuedBy', { issuer: issuerName, date: day(c.validFrom) }), { align: 'center' });
  para('P', 'regular', 12, c.validUntil ? t('certificate.validUntil', { date: day(c.validUntil) }) : t('certificate.validIndefinitely'), {
    align: 'center',
  });
  doc.moveDown(1);
  para('H2', 'bold', 14, t('certificate.elements'));
  doc.moveDown(0.3);
  for (const e of certificateElements(c, t)) {
    root.add(
      doc.struct('P', {}, () => {
        doc.font('bold').fontSize(11).fillColor('#1a1a1a').text(`${e.label}: `, { width, continued: true });
        doc.font('regular').text(e.value, { width });
      }),
    );
    doc.moveDown(0.2);
  }

  // The QR code, drawn as vector squares (sharp in print), beside how to verify.
  const qr = QRCode.create(input.verifyUrl, { errorCorrectionLevel: 'M' });
  const qrSize = 120;
  const module = qrSize / (qr.modules.size + 8);
  const qrX = 56;
  const qrY = Math.max(doc.y + 20, doc.page.height - 56 - qrSize - 40);
  root.add(
    doc.struct('Figure', { alt: t('certificate.qrAlt', { url: input.verifyUrl }) }, () => {
      doc.rect(qrX, qrY, qrSize, qrSize).fill('#ffffff');
      doc.fillColor('#000000');
      for (let row = 0; row < qr.modules.size; row++)
        for (let col = 0; col < qr.modules.size; col++)
          if (qr.modules.get(row, col)) doc.rect(qrX + (col + 4) * module, qrY + (row + 4) * module, module, module);
      doc.fill('#000000');
    }),
  );
  const textX = qrX + qrSize + 16;
  const textWidth = doc.page.width - 56 - textX;
  doc.x = textX;
  doc.y = qrY + 8;
  root.add(
    doc.struct('H2', {}, () =>
      doc
        .font('bold')
        .fontSize(12)
        .fillColor('#1a1a1a')
        .text(t('certificate.verifyHeading'), textX, qrY + 8, { width: textWidth }),
    ),
  );
  root.add(doc.struct('P', {}, () => doc.font('regular').fontSize(9).text(t('certificate.verifyText'), { width: textWidth })));
  root.add(
    doc.struct('P', {}, () =>
      doc.font('regular').fontSize(9).fillColor('#2b4c7e').text(input.verifyUrl, { width: textWidth, link: input.verifyUrl, underline: true }),
    ),
  );
  // The small print: the attached credential, then the credential's id.
  for (const line of [
    t('certificate.attached', { file: ATTACHED_CREDENTIAL, verify: input.verifyPageUrl }),
    t('certificate.credentialId', { id: String(c.id ?? '') }),
  ])
    root.add(doc.struct('P', {}, () => doc.font('regular').fontSize(8).fillColor('#444444').text(line, { width: textWidth })));
  root.end();
  doc.end();
  return done;
}
