// Page-wide behaviour: projector mode (remembered per browser) and its keyboard shortcut.
(function () {
  "use strict";
  var KEY = "kubesim.projector";

  function apply(on) {
    // On <html> too: rem units follow the root element's font size.
    document.documentElement.classList.toggle("projector", on);
    document.body.classList.toggle("projector", on);
    document.querySelectorAll("[data-projector-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function toggle() {
    var on = !document.body.classList.contains("projector");
    try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
    apply(on);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var on = false;
    try { on = localStorage.getItem(KEY) === "1"; } catch (e) { /* private mode */ }
    if (new URLSearchParams(location.search).get("projector") === "1") on = true;
    apply(on);
    document.querySelectorAll("[data-projector-toggle]").forEach(function (b) {
      b.addEventListener("click", toggle);
    });
  });

  // "P" toggles projector mode, except while typing.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key !== "p" && e.key !== "P") return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t.closest && t.closest("input, textarea, select, [contenteditable], .CodeMirror")) return;
    toggle();
  });
})();
