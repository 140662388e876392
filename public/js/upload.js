// Progressive enhancement for evidence uploads: send the form with XMLHttpRequest so a
// progress bar can show how much of a large file has been sent. Without JavaScript the
// form posts normally. The server's answer (the page, or the page with an error that
// keeps what was typed) replaces this one. Its messages come from the form's data-msg-*
// attributes, in the page's language.
(() => {
  for (const form of document.querySelectorAll('form[data-upload]')) {
    form.addEventListener('submit', (event) => {
      if (!window.FormData || !window.XMLHttpRequest) return;
      event.preventDefault();
      const bar = form.querySelector('.upload-progress');
      const status = form.querySelector('.upload-status');
      const button = form.querySelector('button[type=submit]');
      const msg = form.dataset;
      const xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('Accept', 'text/html');
      // The form token also rides in the header, so the server can check it whatever the order of the fields (src/web/csrf.ts).
      const token = form.querySelector('input[name="_csrf"]');
      if (token) xhr.setRequestHeader('X-CSRF-Token', token.value);
      xhr.upload.addEventListener('progress', (e) => {
        if (!e.lengthComputable) return;
        const percent = Math.round((e.loaded / e.total) * 100);
        bar.hidden = false;
        bar.value = percent;
        status.textContent =
          percent < 100 ? (msg.msgProgress || 'Uploading… {percent}%').replace('{percent}', percent) : msg.msgChecking || 'Checking the file…';
      });
      xhr.addEventListener('load', () => {
        // Redirect followed: go to the final page so the address bar is right.
        if (xhr.status < 300 && xhr.responseURL) return window.location.assign(xhr.responseURL);
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener('error', () => {
        status.textContent = msg.msgFailed || 'The upload failed: the connection was lost. Your draft is unchanged; try again.';
        button.disabled = false;
      });
      button.disabled = true;
      status.textContent = msg.msgUploading || 'Uploading…';
      xhr.send(new FormData(form));
    });
  }
})();
