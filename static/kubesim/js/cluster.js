// The live cluster view's few client-side chores around htmx's websocket swaps:
// - a swapped-in node card keeps its actions menu open and the keyboard focus where it was,
// - the event stream drops an event's older copy (a repeat arrives at the top) and keeps to the
//   page's length (data-limit).
(function () {
  "use strict";
  var kept = null;  // what the element being swapped had: open menus, the focused control

  function focusables(root) {
    return Array.prototype.slice.call(root.querySelectorAll("a[href], button, input:not([type=hidden]), select, summary"));
  }

  document.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail.target;
    kept = null;
    if (!target || !target.id) return;
    var open = Array.prototype.map.call(target.querySelectorAll("details[open]"), function (d) {
      return Array.prototype.indexOf.call(target.querySelectorAll("details"), d);
    });
    var active = document.activeElement;
    var focus = active && target.contains(active) ? focusables(target).indexOf(active) : -1;
    if (open.length || focus >= 0) kept = { id: target.id, open: open, focus: focus };
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!kept) return;
    var swapped = document.getElementById(kept.id);
    if (swapped) {
      var details = swapped.querySelectorAll("details");
      kept.open.forEach(function (i) { if (details[i]) details[i].open = true; });
      var controls = focusables(swapped);
      if (kept.focus >= 0 && controls[kept.focus]) controls[kept.focus].focus({ preventScroll: true });
    }
    kept = null;
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var stream = document.getElementById("event-stream");
    if (!stream) return;
    var limit = parseInt(stream.dataset.limit, 10) || 200;
    var seen = {};
    Array.prototype.slice.call(stream.children).forEach(function (li) {
      var uid = li.dataset.uid;
      if (uid && seen[uid]) li.remove();
      seen[uid] = true;
    });
    while (stream.children.length > limit) stream.lastElementChild.remove();
  });
})();
