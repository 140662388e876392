// Tells the LMS that dynamic registration finished (LTI DR §3.6), and closes on request.
(function () {
  var target = window.opener || window.parent;
  function close() { if (target && target !== window) target.postMessage({ subject: 'org.imsglobal.lti.close' }, '*'); }
  close();
  var button = document.getElementById('close-registration');
  if (button) button.addEventListener('click', function () { close(); window.close(); });
})();
