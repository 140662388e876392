// The Canvas developer-key JSON ("Enter URL" / "Paste JSON" in Canvas's key editor). Pure.
import { toolUrls } from '../lti/provider';

export function canvasDeveloperKey(publicUrl: string) {
  const urls = toolUrls(publicUrl);
  const domain = new URL(publicUrl).host;
  return {
    title: 'microcred',
    description: 'EU micro-credentials with rubrics, assessed in the course, issued as Open Badges 3.0.',
    oidc_initiation_url: urls.login,
    target_link_uri: urls.launch,
    public_jwk_url: urls.jwks,
    scopes: [
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
    ],
    extensions: [
      {
        domain,
        tool_id: 'microcred',
        platform: 'canvas.instructure.com',
        // Names and emails: the credential identifies the learner (Annex I element 1).
        privacy_level: 'public',
        settings: {
          text: 'microcred',
          placements: [
            { placement: 'course_navigation', message_type: 'LtiResourceLinkRequest', target_link_uri: urls.launch, text: 'Micro-credentials', default: 'enabled' },
            { placement: 'assignment_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: urls.launch, text: 'Micro-credential' },
            { placement: 'link_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: urls.launch, text: 'Micro-credential' },
          ],
        },
      },
    ],
    custom_fields: { canvas_course_id: '$Canvas.course.id', canvas_user_id: '$Canvas.user.id' },
  };
}
