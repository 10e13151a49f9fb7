/* Help On Demand's service worker (served by hod.pwa): shows Web Push messages and opens the offer when
   one is tapped. It caches nothing: the portal's pages are always fetched fresh. */
"use strict";

const ICON = "{{ icon|escapejs }}";
const BADGE = "{{ badge|escapejs }}";
const HOME = "{{ home|escapejs }}";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  if (event.data) {
    try {
      message = event.data.json();
    } catch (error) {
      message = { body: event.data.text() };
    }
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "Help On Demand", {
      body: message.body || "",
      tag: message.tag,
      lang: message.lang,
      icon: ICON,
      badge: BADGE,
      data: { url: message.url || HOME },
    }),
  );
});

/* The link is opened on this site whatever host the message was built with (HOD_BASE_URL): only its
   path is taken, so a notification can never open another site. */
function targetOf(notification) {
  const link = new URL((notification.data && notification.data.url) || HOME, self.location.origin);
  return new URL(link.pathname + link.search + link.hash, self.location.origin).href;
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = targetOf(event.notification);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (new URL(client.url).origin === self.location.origin) {
          try {
            const focused = await client.focus();
            return await focused.navigate(target);
          } catch (error) {
            break; // a window this worker does not control cannot be sent elsewhere: open a new one
          }
        }
      }
      return self.clients.openWindow(target);
    })(),
  );
});
