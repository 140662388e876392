// Submits the form marked data-auto-submit as soon as the page loads (the deep-linking
// response back to the LMS). Without JavaScript its visible button does the same.
(() => {
  var form = document.querySelector('form[data-auto-submit]');
  if (form) form.submit();
})();
