// Ends dynamic registration when the admin says so (LTI DR 1.0 §3.6): on "Close", posts
// org.imsglobal.lti.close to the LMS page that opened or frames this one, addressed to the LMS's
// own origins only (Canvas ignores the message from any origin but the tool's, and the tool's
// message goes to no one but the LMS). Never on load: the LMS drops the frame when it gets it.
(() => {
  var button = document.getElementById('close-registration');
  if (!button) return;
  var origins = (button.getAttribute('data-lms-origins') || '').split(' ').filter(Boolean);
  button.addEventListener('click', () => {
    var target = window.opener || window.parent;
    if (target && target !== window) {
      // Only the one origin that is the LMS page's own receives it; the others are dropped.
      origins.forEach((origin) => {
        target.postMessage({ subject: 'org.imsglobal.lti.close' }, origin);
      });
    }
    var status = document.getElementById('close-status');
    if (status) status.textContent = button.getAttribute('data-closed') || '';
    if (window.opener) window.close();
  });
})();
