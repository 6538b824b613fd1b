// Latchkey's passkey forms (docs/security.md, "Passkeys"), served as /assets/passkeys.js beside
// the @simplewebauthn/browser bundle (/assets/webauthn.js, global SimpleWebAuthnBrowser).
// A form with data-passkey runs one WebAuthn ceremony when submitted, puts the browser's answer
// (JSON) in its hidden field, and is then sent as a plain form; the server does every check.
//   data-passkey="create"  options in data-passkey-options; answer in `credential`
//   data-passkey="get"     options fetched from data-passkey-url; answer in `credential`
//   data-passkey="proof"   only when the `code` field is empty: as "get", answer in `passkey_proof`
(function () {
  'use strict';

  // The error line of the form's section (templates/pages/partials/passkey-scripts.eta): its
  // data attributes hold the page's own words for the script's two messages.
  function errorLine(form) {
    var out = form.parentElement && form.parentElement.querySelector('.passkey-error');
    return out || document.querySelector('.passkey-error');
  }

  function message(form, key, fallback) {
    var out = errorLine(form);
    return (out && out.getAttribute('data-' + key)) || fallback;
  }

  function showError(form, text) {
    var out = errorLine(form);
    if (out) {
      out.textContent = text;
      out.hidden = false;
      out.className = 'passkey-error error';
    }
  }

  async function fetchOptions(form) {
    var body = new URLSearchParams();
    ['csrf', 'mfa_token'].forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value) body.set(name, field.value);
    });
    var res = await fetch(form.getAttribute('data-passkey-url'), { method: 'POST', body: body, credentials: 'same-origin' });
    var answer = null;
    try {
      answer = await res.json();
    } catch (e) {
      answer = null;
    }
    if (!res.ok || !answer || !answer.options) {
      throw new Error((answer && answer.error && answer.error.message) || 'The server did not start the passkey request (' + res.status + ').');
    }
    return answer.options;
  }

  document.addEventListener('submit', async function (event) {
    var form = event.target;
    var mode = form.getAttribute && form.getAttribute('data-passkey');
    if (!mode) return;
    if (mode === 'proof') {
      var code = form.elements.namedItem('code');
      if (code && code.value.trim() !== '') return; // a code proves the owner: a plain form post
    }
    event.preventDefault();
    var lib = window.SimpleWebAuthnBrowser;
    if (!lib || !lib.browserSupportsWebAuthn()) {
      showError(form, message(form, 'unsupported', 'This browser cannot use passkeys.'));
      return;
    }
    try {
      var answer;
      if (mode === 'create') {
        answer = await lib.startRegistration({ optionsJSON: JSON.parse(form.getAttribute('data-passkey-options')) });
      } else {
        answer = await lib.startAuthentication({ optionsJSON: await fetchOptions(form) });
      }
      form.elements.namedItem(mode === 'proof' ? 'passkey_proof' : 'credential').value = JSON.stringify(answer);
      form.submit(); // no submit event: this runs once
    } catch (err) {
      showError(form, (err && err.message) || message(form, 'failed', 'The passkey request did not finish.'));
    }
  });
})();
