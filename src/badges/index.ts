/** Open Badges 3.0 signing and verification. See docs/decisions/0004-ob3-verification-and-offline-contexts.md. */
export { bundledContexts, OB_V3_CONTEXT, VC_V2_CONTEXT } from './contexts';
export { createDocumentLoader, documentLoader, DocumentNotBundledError, resolveDidKey } from './documentLoader';
export type { DocumentLoader, DocumentLoaderOptions, ExtraResolver } from './documentLoader';
export {
  didKeyFor,
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  toPrivateJwk,
  toPublicJwk,
  verificationMethodOf,
} from './keys';
export type { Ed25519KeyPair, ExportedKeyPair } from './keys';
export { CredentialSigningError, signCredentialDataIntegrity, signCredentialJwt } from './sign';
export type { Credential } from './sign';
export {
  createStatusBitstring,
  decodeStatusList,
  encodeStatusList,
  getStatusBit,
  MIN_STATUS_LIST_LENGTH,
  readStatusValue,
  setStatusBit,
} from './statusList';
export { MAX_INPUT_BYTES, verifyOpenBadgeCredential } from './verify';
export type { VerificationCheck, VerificationReport, VerifyOptions } from './verify';
