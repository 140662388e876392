// LTI platform storage (1EdTech "LTI Client Side postMessages"): keeps the login's
// state and nonce in the LMS's own frame when the browser allows no cookies here.
(() => {
  var el = document.getElementById('lti-storage');
  if (!el) return;
  var d = el.dataset;
  var target = d.target === '_parent' ? window.parent : window.parent.frames[d.target] || window.parent;
  var pending = {};
  var seq = 0;

  window.addEventListener('message', (event) => {
    if (event.origin !== d.origin || !event.data || !pending[event.data.message_id]) return;
    var done = pending[event.data.message_id];
    delete pending[event.data.message_id];
    done(event.data.error ? null : event.data);
  });

  function send(message) {
    return new Promise((resolve) => {
      var id = `microcred-${++seq}-${Date.now()}`;
      message.message_id = id;
      pending[id] = resolve;
      try {
        target.postMessage(message, d.origin);
      } catch (e) {
        delete pending[id];
        resolve(null);
      }
      setTimeout(() => {
        if (pending[id]) {
          delete pending[id];
          resolve(null);
        }
      }, 3000);
    });
  }

  if (d.mode === 'put') {
    // Opened in a window of its own (an LMS's new-window launch): no LMS page to keep the state,
    // and none is needed, since a top-level window keeps the tool's cookies.
    if (window.parent === window) {
      window.location.replace(d.next);
      return;
    }
    Promise.all([send({ subject: 'lti.put_data', key: d.stateKey, value: d.state }), send({ subject: 'lti.put_data', key: d.nonceKey, value: d.nonce })]).then(
      () => {
        if (d.next) window.location.replace(d.next);
      },
    );
    return;
  }

  Promise.all([send({ subject: 'lti.get_data', key: d.stateKey }), send({ subject: 'lti.get_data', key: d.nonceKey })]).then((answers) => {
    var state = answers[0] && answers[0].value;
    var nonce = answers[1] && answers[1].value;
    if (!state || !nonce) {
      document.getElementById('lti-storage-status').hidden = true;
      document.getElementById('lti-storage-fallback').hidden = false;
      return;
    }
    var form = document.getElementById('lti-storage-form');
    form.elements.state.value = state;
    form.elements.nonce.value = nonce;
    form.submit();
  });
})();
