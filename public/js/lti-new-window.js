// Canvas opens the tool afresh in a new window when its page receives requestFullWindowLaunch
// (Canvas: doc/api/lti_window_post_message.md; ui/shared/lti/jquery/subjects/
// requestFullWindowLaunch.ts): a new launch with a new lti_message_hint, never the old one.
(() => {
  var button = document.getElementById('lti-full-window');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    var data = { url: button.dataset.url, launchType: 'new_window' };
    if (button.dataset.placement) data.placement = button.dataset.placement;
    // Canvas documents '*' for this message: it carries only the tool's own launch address.
    window.parent.postMessage({ subject: 'requestFullWindowLaunch', data: data }, '*');
    document.getElementById('lti-full-window-sent').hidden = false;
  });
})();
