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
  /**
   * What the LMS puts in lti_message_hint: Moodle's JSON naming the course module and a
   * launch id kept in the LMS session, Canvas's signed JWT pointing at a cached launch, or
   * just the name of what is launched.
   */
  messageHintFormat: 'moodle-json' | 'canvas-jwt' | 'opaque';
  /** Seconds an unused lti_message_hint stays valid; null: as long as the LMS session. */
  messageHintLifetimeSeconds: number | null;
  /**
   * LTI platform storage: the lti_storage_target the LMS sends in its login initiation (its
   * page then answers lti.put_data / lti.get_data), or false when it offers none.
   */
  platformStorage: false | { target: '_parent' | 'post_message_forwarding' };
  /**
   * Where the OIDC authorization endpoint lives: on the issuer's origin, or on an origin of
   * its own (hosted Canvas: sso.canvaslms.com), which is also the origin platform storage
   * messages are addressed to.
   */
  authEndpointOrigin: 'issuer' | 'own';
  /**
   * How a person opens the tool afresh in a window of its own: Moodle's launch address for
   * the activity (mod/lti/launch.php?id=<cmid>), Canvas's requestFullWindowLaunch message,
   * or no way the tool could know of.
   */
  freshLaunch: 'moodle-launch-php' | 'canvas-full-window' | 'none';
  /** The LMS side of LTI Dynamic Registration (its rules are in platformSimulator.ts, "Dynamic registration"). */
  dynamicRegistration: DynamicRegistrationRules;

  // --- Grade passback (AGS) and the roster (NRPS) -------------------------------------------
  /** Whose URLs, JSON and error answers the AGS endpoints imitate. */
  agsDialect: 'moodle' | 'canvas' | 'generic';
  /**
   * How a score's timestamp is checked against the score held for that learner and column:
   * - 'moodle-seconds': 409 with body `[]` unless strictly later, in whole seconds, than the
   *   grade's timemodified, which Moodle sets to the second it processed the score;
   * - 'canvas-updated-at': 400 when earlier than the result's updated_at (the last accepted
   *   score's own timestamp, to the millisecond); an equal one is accepted;
   * - 'lenient': an older score is acknowledged and ignored (today's generic platform).
   */
  agsScoreTimestamps: 'moodle-seconds' | 'canvas-updated-at' | 'lenient';
  /** Scores only for enrolled students: one for a teacher (or anyone else) is refused. */
  agsStudentsOnly: boolean;
  /** Score and line-item bodies are checked as the LMS checks them (required fields, numbers). */
  agsValidatesBodies: boolean;
  /** NRPS page size when the tool asks for none (undefined: the whole roster in one answer). */
  nrpsDefaultPageSize: number | undefined;
  /** The most members per NRPS page, whatever `limit` the tool asks for. */
  nrpsMaxPageSize: number | undefined;
  /** How NRPS next links page: Moodle's limit/from, Canvas's page/per_page, or page/limit. */
  nrpsPaging: 'limit-from' | 'page-per_page' | 'page-limit';
  /** NRPS lists active enrolments only: a suspended member is left out, never "Inactive". */
  nrpsActiveOnly: boolean;

  // --- What the LMS tells the tool about people ---------------------------------------------
  /**
   * Which rule decides whether names (name, given_name, family_name) and the e-mail address go
   * into launches and NRPS members (the simulator's `sharing` holds the settings):
   * - 'moodle-settings': the tool type's "Share launcher's name/e-mail with tool" (Never, Always,
   *   Delegate to teacher) and, for Delegate, the activity's teacher choice;
   * - 'canvas-privacy-level': the tool's privacy level (anonymous, name_only, email_only, public);
   * - 'always': both, always.
   */
  personalData: 'moodle-settings' | 'canvas-privacy-level' | 'always';
}

/** How an LMS runs LTI Dynamic Registration: its addresses, token, validation, answer and admin page. */
export interface DynamicRegistrationRules {
  /** Where the LMS serves its openid-configuration and takes registrations (paths on the issuer's site). */
  openidConfigurationPath: string;
  registrationPath: string;
  /** The platform configuration's `version`. */
  configurationVersion: string;
  /** The registration token the LMS mints and checks: Moodle's and Canvas's signed JWTs, or an opaque one. */
  registrationToken: 'moodle' | 'canvas' | 'opaque';
  /** The openid-configuration answers only with ?registration_token= in its address. */
  openidConfigurationNeedsToken: boolean;
  /** The checks on the registration request, and the status with which a refused one is answered. */
  validation: 'moodle' | 'canvas' | 'spec';
  /** Where the answer carries the deployment ID. */
  deploymentIdIn: 'tool-configuration' | 'top-level';
  /** The admin page accepts org.imsglobal.lti.close from any origin, or only from the tool's. */
  closeMessageFrom: 'any-origin' | 'tool-origin';
  /** What the admin page does on that message. */
  afterClose: 'tool-list' | 'review-and-install' | 'done';
  /** Launches are refused until the admin finishes the installation in the LMS after the close message. */
  launchesNeedInstall: boolean;
}

export const LMS_PROFILES: Record<LmsProfileName, LmsProfile> = {
  'moodle-4.5': {
    name: 'moodle-4.5',
    family: 'moodle',
    productFamilyCode: 'moodle',
    // Moodle 4.5 (Build 20241205): $version in version.php.
    platformVersion: '2024100705',
    // moodle/moodle mod/lti/locallib.php lti_sign_jwt(): 'iat' => $now, 'exp' => $now + 60.
    idTokenLifetimeSeconds: 60,
    // mod/lti/locallib.php lti_build_login_request() keeps "courseid,typeid,cmid,…" in
    // $SESSION->$launchid and sends json_encode(['cmid' => $cmid, 'launchid' => $launchid])
    // (no cmid for a deep-linking request); mod/lti/auth.php reads $SESSION->$launchid and
    // unset()s it, so a second use finds no tool config and throws
    // moodle_exception('invalidrequest'): "Invalid request".
    singleUseMessageHint: true,
    messageHintFormat: 'moodle-json',
    messageHintLifetimeSeconds: null,
    // lti_build_login_request() sends iss, target_link_uri, login_hint, lti_message_hint,
    // client_id, lti_deployment_id: no lti_storage_target, and Moodle 4.5's pages answer no
    // lti.* postMessages.
    platformStorage: false,
    // The issuer is $CFG->wwwroot (lti_build_login_request, get_tool_type_config), and so is
    // the auth endpoint's origin: <wwwroot>/mod/lti/auth.php.
    authEndpointOrigin: 'issuer',
    // mod/lti/launch.php?id=<cmid>: required_param('id') is the course module; for an LTI 1.3
    // tool it echoes lti_initiate_login(), a fresh login initiation with a new launch id.
    freshLaunch: 'moodle-launch-php',
    dynamicRegistration: {
      // moodle/moodle mod/lti/openid-configuration.php and mod/lti/openid-registration.php.
      openidConfigurationPath: '/mod/lti/openid-configuration.php',
      registrationPath: '/mod/lti/openid-registration.php',
      // openid-configuration.php: 'version' => $CFG->release.
      configurationVersion: '4.5+ (Build: 20241205)',
      // mod/lti/startltiadvregistration.php mints an RS256 JWT {sub: new client ID, scope: 'reg',
      // exp: now + HOURSECS}; registration_helper::validate_registration_token() checks it.
      registrationToken: 'moodle',
      // openid-configuration.php is public (NO_MOODLE_COOKIES, no token check).
      openidConfigurationNeedsToken: false,
      // registration_helper::registration_to_config(): required attributes and its checks, 400.
      validation: 'moodle',
      // registration_helper::config_to_registration(): deployment_id = the tool type id, inside
      // https://purl.imsglobal.org/spec/lti-tool-configuration.
      deploymentIdIn: 'tool-configuration',
      // mod/lti/amd/src/tool_configure_controller.js closeLTIAdvRegistration(): checks e.data.subject
      // only, empties the frame's container and reloads the tool list (the new tool is pending:
      // openid-registration.php adds it with LTI_TOOL_STATE_PENDING).
      closeMessageFrom: 'any-origin',
      afterClose: 'tool-list',
      launchesNeedInstall: false,
    },
    // moodle/moodle mod/lti/service/gradebookservices/classes/local/service/gradebookservices.php,
    // item_for_json(): line items are …/lineitems/<id>/lineitem?type_id=<tool type>, with
    // resourceId and tag ('' when unset) and resourceLinkId/ltiLinkId when bound to an activity.
    agsDialect: 'moodle',
    // …/gradebookservices/classes/local/resources/scores.php, get_json_for_post_request():
    // `if ($grade->timemodified >= strtotime($score->timestamp))` throws 409 ("Refusing score with
    // an earlier timestamp…"), and execute() answers with its initial body '[]'. timemodified is
    // whole seconds: lib/grade/grade_item.php update_raw_grade() sets it to time() when the grade
    // or feedback changes (coupled items); update_final_grade() to the score's strtotime() or
    // time() (items the tool created).
    agsScoreTimestamps: 'moodle-seconds',
    // scores.php: `!gradebookservices::is_user_gradable_in_course($contextid, $score->userId)` →
    // 400 "Incorrect score received"; is_user_gradable_in_course() wants an enrolment with one of
    // $CFG->gradebookroles (student by default), so a teacher's score is refused.
    agsStudentsOnly: true,
    // scores.php: userId, timestamp (ISO 8601), gradingProgress, activityProgress required,
    // scoreGiven/scoreMaximum numeric, else 400; lineitems.php get_json_for_post_request():
    // 'No label or Score Maximum' (400), scoreMaximum numeric (400).
    agsValidatesBodies: true,
    // …/service/memberships/classes/local/service/memberships.php users_to_json(): pages only
    // when the tool sends `limit`; the next page is Link: <…?limit=N&from=M>; rel="next".
    nrpsDefaultPageSize: undefined,
    nrpsMaxPageSize: undefined,
    nrpsPaging: 'limit-from',
    // memberships.php get_members_json(): get_enrolled_users(…, $onlyactive = true); every
    // member it lists has status 'Active'.
    nrpsActiveOnly: true,
    // Launches: mod/lti/locallib.php lti_build_standard_message() sends the names when sendname
    // is Always, or Delegate and the activity's instructorchoicesendname is on (isset: a deep-
    // linking request has no activity, so Delegate sends nothing); the e-mail likewise with
    // sendemailaddr. NRPS: memberships.php is_allowed_field_set() takes Always, or Delegate with
    // the activity's choice only when the request names one (rlid): a course roster under
    // Delegate has no names or e-mail addresses. A tool added by hand starts at Delegate
    // (edit_form.php setDefault '2') and a new activity's boxes are ticked (mod_form.php);
    // dynamic registration sets Always or Never from the claims the tool asked for
    // (registration_helper::registration_to_config).
    personalData: 'moodle-settings',
  },
  canvas: {
    name: 'canvas',
    family: 'canvas',
    productFamilyCode: 'canvas',
    platformVersion: 'cloud',
    // instructure/canvas-lms app/models/lti/messages/jwt_message.rb add_security_claims!:
    // exp = 1.hour.from_now.
    idTokenLifetimeSeconds: 3600,
    // app/models/lti/lti_advantage_adapter.rb cache_payload: the hint is a Canvas-signed JWT
    // { verifier, canvas_domain, context_type, context_id, … } expiring after
    // MESSAGE_HINT_LIFESPAN (5 minutes); app/models/lti/redis_message_client.rb keeps the
    // launch for TTL = 5 minutes and fetch_and_delete_launch() removes it on first use;
    // app/controllers/lti/ims/authentication_controller.rb then answers the tool's
    // redirect_uri with error "launch_no_longer_valid" ("The launch has either expired or
    // already been consumed"), and a hint that does not decode with 400 "Invalid lti_message_hint".
    singleUseMessageHint: true,
    messageHintFormat: 'canvas-jwt',
    messageHintLifetimeSeconds: 300,
    // doc/api/lti_window_post_message.md (developerdocs …/file.lti_window_post_message):
    // lti_storage_target names the sibling frame "post_message_forwarding", at the OIDC auth
    // origin, which relays to Canvas (ui/features/post_message_forwarding/index.ts,
    // app/controllers/lti/platform_storage_controller.rb).
    platformStorage: { target: 'post_message_forwarding' },
    // doc/api/lti_dev_key_config.md Step 2: iss https://canvas.instructure.com, auth endpoint
    // https://sso.canvaslms.com/api/lti/authorize_redirect.
    authEndpointOrigin: 'own',
    // ui/shared/lti/jquery/subjects/requestFullWindowLaunch.ts: Canvas opens
    // /courses/<id>/external_tools/retrieve?display=borderless&url=… in a new window.
    freshLaunch: 'canvas-full-window',
    dynamicRegistration: {
      // instructure/canvas-lms config/routes.rb via app/controllers/security_controller.rb
      // #openid_configuration and app/controllers/lti/ims/dynamic_registration_controller.rb #create.
      openidConfigurationPath: '/api/lti/security/openid-configuration',
      registrationPath: '/api/lti/registrations',
      // doc/api/registration.md example ("vCloud"); open-source Canvas says "OpenSource".
      configurationVersion: 'vCloud',
      // DynamicRegistrationController#registration_token: a JWT {uuid, initiated_at, user_id,
      // root_account_global_id, root_account_domain, registration_url} valid 1 hour; #create
      // answers 401 "JWT did not include expected contents" when a claim is missing.
      registrationToken: 'canvas',
      // SecurityController#openid_configuration reads params[:registration_token]; without it
      // 401 "Access token missing (You must include the registration_token parameter)."
      openidConfigurationNeedsToken: true,
      // lib/schemas/lti/ims/oidc_registration.rb and lti_tool_configuration.rb; #create answers
      // 422 {errors} when Schemas::Lti::IMS::OidcRegistration.to_model_attrs finds errors.
      validation: 'canvas',
      // #render_registration: `deployment_id` at the top level of the answer (the root account's
      // deployment, made when lti_registrations_next is on), never in the tool configuration.
      deploymentIdIn: 'top-level',
      // ui/features/lti_registrations/manage/dynamic_registration_wizard/DynamicRegistrationWizardState.ts:
      // the listener requires message.origin === the tool's registration URL's origin, then
      // shows the review (permissions, privacy, placements, naming, icons) and "Install App",
      // whose enableAndClose() turns the developer key on.
      closeMessageFrom: 'tool-origin',
      afterClose: 'review-and-install',
      // app/controllers/lti/ims/authentication_controller.rb validate_client_id!: a developer key
      // whose account binding is not "on" gets the OIDC error unauthorized_client.
      launchesNeedInstall: true,
    },
    // instructure/canvas-lms app/controllers/lti/ims/line_items_controller.rb and its spec:
    // {id: …/line_items/<id>, scoreMaximum, label, resourceId, tag, resourceLinkId}, nils left out;
    // errors are {"errors":{"type","message"}} (concerns/lti_services.rb render_error).
    agsDialect: 'canvas',
    // app/controllers/lti/ims/scores_controller.rb verify_valid_timestamp: `result.updated_at >
    // timestamp` → 400 "Provided timestamp of … before last updated timestamp of …";
    // update_or_create_result stores updated_at: timestamp (doc/api/assignment_tools.md, errors).
    agsScoreTimestamps: 'canvas-updated-at',
    // concerns/gradebook_services.rb verify_user_in_context: `context.user_is_student?(user)` else
    // 422 "User not found in course or is not a student".
    agsStudentsOnly: true,
    // scores_controller.rb: REQUIRED_PARAMS userId, activityProgress, gradingProgress, timestamp
    // (400); scoreMaximum with scoreGiven, >= 0 (422); submitted_at of the submission extension
    // valid and at most a minute ahead (400). app/models/lti/line_item.rb: score_maximum and label
    // present, score_maximum numeric.
    agsValidatesBodies: true,
    // app/controllers/lti/ims/providers/memberships_provider.rb: MAX_PAGE_SIZE 50 is both the
    // default and the cap of `limit`; Api.jsonapi_paginate writes Link …?page=N&per_page=M.
    nrpsDefaultPageSize: 50,
    nrpsMaxPageSize: 50,
    nrpsPaging: 'page-per_page',
    // providers/course_memberships_provider.rb base_users_scope: context.active_users;
    // app/serializers/lti/ims/names_and_roles_serializer.rb: status is always 'Active'.
    nrpsActiveOnly: true,
    // context_external_tool.rb include_name? (name_only or public) and include_email?
    // (email_only or public) decide the launch's claims (lti/messages/jwt_message.rb) and the
    // NRPS member's fields; dynamic registration takes the tool configuration's
    // https://canvas.instructure.com/lti/privacy_level, else infer_privacy_level_from(claims).
    personalData: 'canvas-privacy-level',
  },
  generic: {
    name: 'generic',
    family: 'other',
    productFamilyCode: 'generic',
    platformVersion: '1.0',
    idTokenLifetimeSeconds: 300,
    singleUseMessageHint: false,
    messageHintFormat: 'opaque',
    messageHintLifetimeSeconds: null,
    // 1EdTech LTI Client Side postMessages (https://www.imsglobal.org/spec/lti-cs-pm/v0p1):
    // "_parent" addresses the window that frames the tool.
    platformStorage: { target: '_parent' },
    authEndpointOrigin: 'issuer',
    freshLaunch: 'none',
    // The LTI Dynamic Registration 1.0 spec (https://www.imsglobal.org/spec/lti-dr/v1p0) and no more.
    dynamicRegistration: {
      openidConfigurationPath: '/.well-known/openid-configuration',
      registrationPath: '/register',
      configurationVersion: '1.0',
      registrationToken: 'opaque',
      openidConfigurationNeedsToken: false,
      validation: 'spec',
      deploymentIdIn: 'tool-configuration',
      closeMessageFrom: 'any-origin',
      afterClose: 'done',
      launchesNeedInstall: false,
    },
    // The LTI AGS 2.0 and NRPS 2.0 specifications' minimum, and no more.
    agsDialect: 'generic',
    agsScoreTimestamps: 'lenient',
    agsStudentsOnly: false,
    agsValidatesBodies: false,
    nrpsDefaultPageSize: 10,
    nrpsMaxPageSize: undefined,
    nrpsPaging: 'page-limit',
    nrpsActiveOnly: false,
    personalData: 'always',
  },
};
