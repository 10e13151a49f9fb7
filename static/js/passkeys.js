// Passkeys, with @simplewebauthn/browser (served from its npm package): adding one on the profile and logging
// in with one. The buttons appear only where the browser supports WebAuthn; elsewhere the page's message stays
// and the password works as always. The server checks everything (agents/passkeys.py) and says why it refuses.
(function () {
  "use strict";

  var webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn || !webauthn.browserSupportsWebAuthn() || !window.fetch) { return; }

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  // A refusal from the server carries its reason, in the page's language, to show as it is.
  function ServerRefusal(message) { this.message = message; }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new ServerRefusal(data.error || ""); }
        return data;
      });
    });
  }

  function messageFor(error, holder) {
    if (error instanceof ServerRefusal && error.message) { return error.message; }
    if (error && error.name === "InvalidStateError" && holder.dataset.messageExists) { return holder.dataset.messageExists; }
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) { return holder.dataset.messageCancelled; }
    return holder.dataset.messageFailed;
  }

  function showError(holder, message) {
    var region = holder.querySelector("[data-passkey-error]");
    region.textContent = "";
    if (!message) { return; }
    var alert = document.createElement("div");
    alert.className = "usa-alert usa-alert--error usa-alert--slim";
    var body = document.createElement("div");
    body.className = "usa-alert__body";
    var text = document.createElement("p");
    text.className = "usa-alert__text";
    text.textContent = message;
    body.appendChild(text);
    alert.appendChild(body);
    region.appendChild(alert);
  }

  // Where the server sends the agent next; the same page again (the profile) is loaded afresh.
  function go(url) {
    var target = new URL(url, window.location.href);
    if (target.pathname === window.location.pathname && target.search === window.location.search) {
      window.location.hash = target.hash;
      window.location.reload();
    } else {
      window.location.assign(target.href);
    }
  }

  function reveal(holder) {
    var unsupported = holder.parentNode.querySelector("[data-passkey-unsupported]");
    if (unsupported) { unsupported.hidden = true; }
  }

  // The profile: name the passkey, then let the device make it.
  document.querySelectorAll("form[data-passkey-add]").forEach(function (form) {
    var input = form.querySelector('input[name="name"]');
    var button = form.querySelector('button[type="submit"]');
    reveal(form);
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = input.value.trim();
      if (!name) {
        showError(form, form.dataset.messageName);
        input.focus();
        return;
      }
      showError(form, "");
      button.disabled = true;
      post(form.dataset.optionsUrl)
        .then(function (options) { return webauthn.startRegistration({ optionsJSON: options }); })
        .then(function (credential) { return post(form.dataset.url, { name: name, credential: credential }); })
        .then(function (answer) { go(answer.redirect); })
        .catch(function (error) {
          showError(form, messageFor(error, form));
          button.disabled = false;
        });
    });
  });

  // The log-in page: the device offers the passkeys it holds for this site; no username needed.
  document.querySelectorAll("[data-passkey-log-in]").forEach(function (section) {
    var button = section.querySelector("[data-passkey-start]");
    var next = document.querySelector('input[name="next"]');
    section.querySelector("[data-passkey-unsupported]").hidden = true;
    button.hidden = false;
    button.addEventListener("click", function () {
      showError(section, "");
      button.disabled = true;
      post(section.dataset.optionsUrl)
        .then(function (options) { return webauthn.startAuthentication({ optionsJSON: options }); })
        .then(function (credential) {
          return post(section.dataset.url, { credential: credential, next: next ? next.value : "" });
        })
        .then(function (answer) { go(answer.redirect); })
        .catch(function (error) {
          showError(section, messageFor(error, section));
          button.disabled = false;
        });
    });
  });
}());
