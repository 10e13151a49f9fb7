// The offer's countdown: minutes and seconds left, every second; at zero, the page reloads to say
// the time is up. Without JavaScript the page shows the time left when it was loaded.
(function () {
  "use strict";
  document.querySelectorAll("[data-countdown]").forEach(function (clock) {
    var end = Date.parse(clock.getAttribute("datetime"));
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      clock.textContent = left > 0 ? minutes + ":" + (seconds < 10 ? "0" : "") + seconds : clock.getAttribute("data-expired");
      if (left === 0) {
        window.clearInterval(timer);
        window.setTimeout(function () { window.location.reload(); }, 1500);
      }
    }
    var timer = window.setInterval(tick, 1000);
    tick();
  });
}());
