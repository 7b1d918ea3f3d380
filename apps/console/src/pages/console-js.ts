/**
 * The console's one script (served at /assets/console.js, same origin, as the CSP allows): while a
 * settings form is sent — the checks take up to ten seconds — its buttons are disabled and the progress
 * line says what is going on. Progressive enhancement only: without it the form works the same.
 */
export const CONSOLE_JS = `
document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-check-form')) return;
  var intent = event.submitter && event.submitter.value === 'check' ? 'check' : 'save';
  if (form.getAttribute('aria-busy') === 'true') { event.preventDefault(); return; }
  form.setAttribute('aria-busy', 'true');
  var progress = document.getElementById('check-progress');
  if (progress) {
    progress.textContent = progress.getAttribute('data-text-' + intent) || '';
    progress.hidden = false;
  }
  var buttons = form.querySelectorAll('button');
  // Disabled after the form's data is taken, so the pressed button's intent is still sent (once).
  setTimeout(function () {
    for (var i = 0; i < buttons.length; i += 1) buttons[i].disabled = true;
  }, 0);
});
`;

/** The console's icon (⇄ on the accent colour), served at /favicon.ico. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2557d6"/><path d="M8 12h14l-4-4M24 20H10l4 4" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
