/**
 * The institution's seal certificate: reading it (PEM or PKCS#12), describing it for the console
 * (subject, issuer, validity, QCStatements), and making a clearly labelled self-signed test seal.
 *
 * Why two libraries: Node's own X509Certificate parses and checks certificates of any key type
 * (RSA, EC) and is what signatures are checked with; node-forge reads PKCS#12 files, walks the
 * DER of the QCStatements extension (which Node does not expose), and builds the test
 * certificate with the organizationIdentifier and extensions a seal has.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { BadRequestError } from '../errors';

/** ETSI EN 319 412-5 statement ids. */
const QCS = {
  compliance: '0.4.0.1862.1.1',
  sscd: '0.4.0.1862.1.4',
  type: '0.4.0.1862.1.6',
  eseal: '0.4.0.1862.1.6.2',
} as const;
const QC_STATEMENTS_EXTENSION = '1.3.6.1.5.5.7.1.3';
const ORGANIZATION_IDENTIFIER = '2.5.4.97';
/** Marks our self-signed test seals (in the subject's OU), so nobody mistakes one for a real seal. */
export const TEST_SEAL_LABEL = 'TEST SEAL - NOT QUALIFIED - microcred';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  selfSigned: boolean;
  /** The subject's organizationIdentifier (e.g. "VATNL-…"), the eIDAS legal identifier of a seal. */
  organizationIdentifier?: string;
  /** The subject's country (C). */
  country?: string;
  /** QCStatements present: the statement ids, and what they add up to. */
  qcStatements: string[];
  qualified: boolean;
  qualifiedSeal: boolean;
  qscd: boolean;
  testSeal: boolean;
  fingerprintSha256: string;
}

/** A field of an OpenSSL-style multi-line DN ("C=NL\nO=…"). */
function dnField(dn: string, name: string): string | undefined {
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq) === name) return line.slice(eq + 1);
  }
  return undefined;
}

/** Statement ids in the QCStatements extension, read from the certificate's DER. */
function qcStatementsOf(der: Buffer): string[] {
  try {
    const cert = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    const tbs = (cert.value as forge.asn1.Asn1[])[0];
    const explicit = (tbs.value as forge.asn1.Asn1[]).find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3);
    if (!explicit) return [];
    const extensions = ((explicit.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[]) ?? [];
    for (const ext of extensions) {
      const parts = ext.value as forge.asn1.Asn1[];
      if (forge.asn1.derToOid(parts[0].value as string) !== QC_STATEMENTS_EXTENSION) continue;
      const octets = parts[parts.length - 1].value as string;
      const statements = forge.asn1.fromDer(octets).value as forge.asn1.Asn1[];
      const ids: string[] = [];
      for (const statement of statements) {
        const [id, info] = statement.value as forge.asn1.Asn1[];
        ids.push(forge.asn1.derToOid(id.value as string));
        // QcType lists its types as OIDs in a SEQUENCE.
        if (info && Array.isArray(info.value)) {
          for (const t of info.value as forge.asn1.Asn1[]) if (t.type === forge.asn1.Type.OID) ids.push(forge.asn1.derToOid(t.value as string));
        }
      }
      return ids;
    }
  } catch {
    return [];
  }
  return [];
}

export function describeCertificate(cert: X509Certificate): CertificateFacts {
  const qcStatements = qcStatementsOf(cert.raw);
  const organizationIdentifier =
    dnField(cert.subject, 'organizationIdentifier') ?? dnField(cert.subject, ORGANIZATION_IDENTIFIER) ?? dnField(cert.subject, 'serialNumber');
  return {
    subject: cert.subject.split('\n').join(', '),
    issuer: cert.issuer.split('\n').join(', '),
    serialNumber: cert.serialNumber,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
    organizationIdentifier,
    country: dnField(cert.subject, 'C'),
    qcStatements,
    qualified: qcStatements.includes(QCS.compliance),
    qualifiedSeal: qcStatements.includes(QCS.compliance) && qcStatements.includes(QCS.eseal),
    qscd: qcStatements.includes(QCS.sscd),
    testSeal: cert.subject.includes(TEST_SEAL_LABEL),
    fingerprintSha256: cert.fingerprint256,
  };
}

/** Why a certificate cannot seal at `at`, or undefined when it can. */
export function validityProblem(cert: X509Certificate, at: Date): string | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (at < from) return `The seal certificate is not valid yet: it is valid from ${from.toISOString()}.`;
  if (at > to) return `The seal certificate expired on ${to.toISOString()}.`;
  return undefined;
}

export interface SealMaterial {
  /** The signing certificate first, then its issuers. */
  chain: X509Certificate[];
  key: KeyObject;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Certificates and a private key from PEM text; checks the key belongs to the first certificate. */
export function sealFromPem(certificatesPem: string, keyPem: string, passphrase?: string): SealMaterial {
  const blocks = certificatesPem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new BadRequestError('No certificate found: paste the seal certificate as PEM (-----BEGIN CERTIFICATE-----).');
  let chain: X509Certificate[];
  try {
    chain = blocks.map((b) => new X509Certificate(b));
  } catch {
    throw new BadRequestError('A certificate in the PEM text cannot be read.');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem', ...(passphrase ? { passphrase } : {}) });
  } catch {
    throw new BadRequestError('The private key cannot be read: give it as PEM (PKCS#8 or PKCS#1), with its passphrase if it has one.');
  }
  return checkPair({ chain, key });
}

/** Certificates and key from a PKCS#12 (.p12/.pfx) file. */
export function sealFromPkcs12(file: Buffer, password: string): SealMaterial {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(file.toString('binary')), password);
  } catch {
    throw new BadRequestError('The PKCS#12 file cannot be opened: check the file and its password.');
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const keyBag = keyBags.find((b) => b.key);
  if (!keyBag) throw new BadRequestError('The PKCS#12 file holds no RSA private key that can be read (for an EC key, upload the certificate and key as PEM).');
  const keyDer = forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key as forge.pki.rsa.PrivateKey))).getBytes();
  const key = createPrivateKey({ key: Buffer.from(keyDer, 'binary'), format: 'der', type: 'pkcs8' });
  const chain = certBags
    .map((b) => (b.cert ? forge.asn1.toDer(forge.pki.certificateToAsn1(b.cert)).getBytes() : b.asn1 ? forge.asn1.toDer(b.asn1).getBytes() : undefined))
    .filter((der): der is string => !!der)
    .map((der) => new X509Certificate(Buffer.from(der, 'binary')));
  if (chain.length === 0) throw new BadRequestError('The PKCS#12 file holds no certificate.');
  // Put the certificate that matches the key first.
  const own = chain.findIndex((c) => c.checkPrivateKey(key));
  if (own > 0) chain.unshift(...chain.splice(own, 1));
  return checkPair({ chain, key });
}

function checkPair(material: SealMaterial): SealMaterial {
  if (!material.chain[0].checkPrivateKey(material.key)) throw new BadRequestError('The private key does not belong to the seal certificate.');
  if (!['rsa', 'ec'].includes(material.key.asymmetricKeyType ?? '')) throw new BadRequestError('The seal key must be RSA or EC (P-256).');
  return material;
}

/** A self-signed RSA test seal, labelled as such in its subject, valid from `now` for `days`. */
export function generateTestSeal(options: {
  organizationName: string;
  organizationIdentifier: string;
  country: string;
  now?: Date;
  days?: number;
  notBefore?: Date;
}): SealMaterial {
  const now = options.now ?? new Date();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgePublic = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const forgePrivate = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePublic;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = options.notBefore ?? new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (options.days ?? 365) * 86_400_000);
  const attributes: forge.pki.CertificateField[] = [
    { shortName: 'C', value: options.country.toUpperCase() },
    { name: 'organizationName', value: options.organizationName },
    { shortName: 'OU', value: TEST_SEAL_LABEL },
    { type: ORGANIZATION_IDENTIFIER, value: options.organizationIdentifier, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
    { name: 'commonName', value: `${options.organizationName} (test seal)` },
  ];
  cert.setSubject(attributes);
  cert.setIssuer(attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgePrivate, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return { chain: [new X509Certificate(pem)], key: privateKey };
}

export const certificateToPem = (cert: X509Certificate) => cert.toString();
