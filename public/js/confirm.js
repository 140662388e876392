// Asks before destructive forms marked with data-confirm. Without JS they submit as-is.
document.addEventListener('submit', (e) => {
  var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) e.preventDefault();
});
