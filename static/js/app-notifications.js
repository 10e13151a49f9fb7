/* The installable portal, on every portal page: registers the service worker (hod.pwa), shows "Install the app"
   where the browser offers it, and on the profile page turns app notifications on or off in this browser
   (a Web Push subscription posted to the devices endpoint). Without JavaScript the pages work as before. */
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) {
    return;
  }
  const key = script.dataset.key;
  const devicesUrl = script.dataset.devices;
  const registered = navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" }).catch(() => null);

  // Installing: Chrome and Edge offer it through an event; iPhones through Share, Add to Home Screen.
  let installPrompt = null;
  const installButtons = () => document.querySelectorAll("[data-app-install]");
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    installPrompt = event;
    installButtons().forEach((button) => { button.hidden = false; });
  });
  window.addEventListener("appinstalled", () => {
    installPrompt = null;
    installButtons().forEach((button) => { button.hidden = true; });
  });
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-app-install]");
    if (!button || !installPrompt) {
      return;
    }
    installPrompt.prompt();
    await installPrompt.userChoice;
    installPrompt = null;
    installButtons().forEach((each) => { each.hidden = true; });
  });

  // Notifications.
  const pushWorks = Boolean(key) && "PushManager" in window && "Notification" in window;
  const onIphone = /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;

  function keyBytes() {
    const base64 = (key + "=".repeat((4 - (key.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  }

  function madeWithOurKey(subscription) {
    const theirs = subscription.options && subscription.options.applicationServerKey;
    if (!theirs) {
      return true;
    }
    const a = new Uint8Array(theirs);
    const b = keyBytes();
    return a.length === b.length && a.every((value, index) => value === b[index]);
  }

  function send(method, body) {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(devicesUrl, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify(body),
    });
  }

  async function ourSubscription() {
    const registration = await registered;
    return registration ? registration.pushManager.getSubscription() : null;
  }

  /* This browser still receives: say so to the server (its keys may have changed). It never registers one the
     agent removed; a subscription made with a key the site no longer uses is dropped, to be made again. */
  async function checkIn() {
    if (!pushWorks || Notification.permission !== "granted") {
      return null;
    }
    const subscription = await ourSubscription();
    if (!subscription) {
      return null;
    }
    if (!madeWithOurKey(subscription)) {
      await subscription.unsubscribe();
      return null;
    }
    const response = await send("POST", { subscription: subscription.toJSON(), refresh: true });
    return response.ok ? subscription : null;
  }

  const panel = document.querySelector("[data-push-panel]");
  if (!panel) {
    const today = new Date().toDateString();
    if (window.sessionStorage && sessionStorage.getItem("hod-push-checked") !== today) {
      checkIn().then(() => sessionStorage.setItem("hod-push-checked", today)).catch(() => {});
    }
    return;
  }

  function show(state) {
    panel.querySelectorAll("[data-push-state]").forEach((element) => {
      element.hidden = element.dataset.pushState !== state;
    });
  }

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      show(permission === "denied" ? "denied" : "ready");
      return;
    }
    await navigator.serviceWorker.ready;
    const registration = await registered;
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !madeWithOurKey(subscription)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes() });
    }
    const response = await send("POST", { subscription: subscription.toJSON() });
    if (!response.ok) {
      throw new Error("the devices endpoint answered " + response.status);
    }
    window.location.reload(); // the list of phones and browsers now shows this one
  }

  async function turnOff() {
    const subscription = await ourSubscription();
    if (subscription) {
      await send("DELETE", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    window.location.reload();
  }

  panel.addEventListener("click", (event) => {
    const action = event.target.closest("[data-push-enable]") ? turnOn : event.target.closest("[data-push-disable]") ? turnOff : null;
    if (action) {
      action().catch(() => show("failed"));
    }
  });

  // Removing this very browser from the list also ends its subscription, so it does not come back.
  panel.querySelectorAll("form[data-endpoint]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const subscription = await ourSubscription().catch(() => null);
      if (subscription && subscription.endpoint === form.dataset.endpoint) {
        await subscription.unsubscribe().catch(() => {});
      }
      form.submit();
    });
  });

  const steps = document.getElementById(onIphone ? "install-iphone" : /Android/.test(navigator.userAgent) ? "install-android" : "install-computer");
  if (steps && !standalone) {
    steps.open = true;
  }
  if (!key) {
    return;
  }
  if (!pushWorks) {
    show(onIphone && !standalone ? "ios-install" : "unsupported");
  } else if (Notification.permission === "denied") {
    show("denied");
  } else {
    checkIn().then((subscription) => show(subscription ? "on" : "ready")).catch(() => show("ready"));
  }
})();
