// The troubleshooting pages' live regions ([data-live]: describe, scheduling, rollout history),
// fetched again by htmx every two seconds. A refresh waits while the tab is hidden, while text
// in the region is selected (someone is copying it) or while a field in it is being edited;
// across a refresh, the keyboard focus and open menus stay where they were.
(function () {
  "use strict";
  var kept = null;  // the region being swapped: its id, open <details>, focused control

  window.kubesimMayRefresh = function (region) {
    if (document.hidden) return false;
    var selection = window.getSelection && window.getSelection();
    if (selection && !selection.isCollapsed && region.contains(selection.anchorNode)) return false;
    var active = document.activeElement;
    return !(active && region.contains(active) && active.matches("input, select, textarea"));
  };

  function focusables(root) {
    return Array.prototype.slice.call(root.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"));
  }

  document.addEventListener("htmx:beforeSwap", function (e) {
    var region = e.detail.target;
    kept = null;
    if (!region || !region.id || !region.hasAttribute("data-live")) return;
    var details = Array.prototype.slice.call(region.querySelectorAll("details"));
    var open = details.filter(function (d) { return d.open; }).map(function (d) { return details.indexOf(d); });
    var active = document.activeElement;
    var focus = active && region.contains(active) ? focusables(region).indexOf(active) : -1;
    kept = { id: region.id, open: open, focus: focus };
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!kept) return;
    var region = document.getElementById(kept.id);
    if (region) {
      var details = region.querySelectorAll("details");
      kept.open.forEach(function (i) { if (details[i]) details[i].open = true; });
      var controls = focusables(region);
      if (kept.focus >= 0 && controls[kept.focus]) controls[kept.focus].focus({ preventScroll: true });
    }
    kept = null;
  });
})();
