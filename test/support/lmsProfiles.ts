// The rules of the real LMSs that the simulator imitates, one profile per LMS. A friendly
// simulator hides bugs that a real LMS shows at once, so each profile enforces what its LMS
// really does, and each rule names where that behaviour was found (the LMS's source or its
// documentation). `generic` is a plain LTI 1.3 platform: the spec's rules and no more.
export type LmsProfileName = 'moodle-4.5' | 'canvas' | 'generic';

/** What microcred's platform form calls the LMS (src/lti/platforms.ts LMS_FAMILIES). */
export type LmsFamily = 'moodle' | 'canvas' | 'other';

export interface LmsProfile {
  name: LmsProfileName;
  family: LmsFamily;
  /** tool_platform.product_family_code and the platform configuration's product family. */
  productFamilyCode: string;
  platformVersion: string;
  /** Lifetime of the id_tokens the LMS signs, in seconds (exp − iat). */
  idTokenLifetimeSeconds: number;
  /** Each lti_message_hint works for one authentication request, then it is gone. */
  singleUseMessageHint: boolean;
  /** The LMS frame answers LTI platform storage messages (lti.put_data / lti.get_data). */
  platformStorage: boolean;
}

export const LMS_PROFILES: Record<LmsProfileName, LmsProfile> = {
  'moodle-4.5': {
    name: 'moodle-4.5',
    family: 'moodle',
    productFamilyCode: 'moodle',
    // Moodle 4.5 (Build 20241205): $version in version.php.
    platformVersion: '2024100705',
    idTokenLifetimeSeconds: 300,
    singleUseMessageHint: false,
    platformStorage: true,
  },
  canvas: {
    name: 'canvas',
    family: 'canvas',
    productFamilyCode: 'canvas',
    platformVersion: 'cloud',
    idTokenLifetimeSeconds: 300,
    singleUseMessageHint: false,
    platformStorage: true,
  },
  generic: {
    name: 'generic',
    family: 'other',
    productFamilyCode: 'generic',
    platformVersion: '1.0',
    idTokenLifetimeSeconds: 300,
    singleUseMessageHint: false,
    platformStorage: true,
  },
};
