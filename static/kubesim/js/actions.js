// The simulation clock's time (#clock), ticking between the server's updates: the fragment
// carries the simulated time when it was rendered, its speed and whether it is paused.
(function () {
  "use strict";
  var seen = null;  // the #clock element last read, its simulated seconds, and when it was read

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var el = document.getElementById("clock");
    var time = el && el.querySelector("[data-clock-time]");
    if (!time) return;
    if (!seen || seen.el !== el) {  // a new fragment (htmx swaps replace the element)
      seen = { el: el, sim: parseFloat(el.dataset.simSeconds), at: performance.now() };
    }
    var speed = el.dataset.paused === "true" ? 0 : parseFloat(el.dataset.speed);
    if (isNaN(seen.sim) || isNaN(speed)) return;
    var t = new Date((seen.sim + (performance.now() - seen.at) / 1000 * speed) * 1000);
    time.textContent = pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes()) + ":" + pad(t.getUTCSeconds());
    time.setAttribute("datetime", t.toISOString());
  }

  setInterval(tick, 250);
})();
