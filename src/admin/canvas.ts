// The Canvas developer-key JSON ("Enter URL" / "Paste JSON" in Canvas's key editor), for admins
// who prefer a developer key to dynamic registration. Built from the same tool description as
// the dynamic registration request (src/lti/toolDescription.ts). Pure.
import { toolUrls } from '../lti/provider';
import { CANVAS_CUSTOM_FIELDS, CANVAS_PLACEMENTS, CANVAS_PRIVACY_LEVEL, TOOL_DESCRIPTION, TOOL_NAME, TOOL_SCOPES } from '../lti/toolDescription';

export function canvasDeveloperKey(publicUrl: string) {
  const urls = toolUrls(publicUrl);
  const domain = new URL(publicUrl).host;
  return {
    title: TOOL_NAME,
    description: TOOL_DESCRIPTION,
    oidc_initiation_url: urls.login,
    target_link_uri: urls.launch,
    public_jwk_url: urls.jwks,
    scopes: TOOL_SCOPES,
    extensions: [
      {
        domain,
        tool_id: TOOL_NAME,
        platform: 'canvas.instructure.com',
        privacy_level: CANVAS_PRIVACY_LEVEL,
        settings: {
          text: TOOL_NAME,
          placements: CANVAS_PLACEMENTS.map((p) => ({
            placement: p.placement,
            message_type: p.messageType,
            target_link_uri: urls.launch,
            text: p.label,
            ...(p.placement === 'course_navigation' ? { default: 'enabled' } : {}),
          })),
        },
      },
    ],
    custom_fields: CANVAS_CUSTOM_FIELDS,
  };
}
