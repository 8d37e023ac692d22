// The manifest editor's enhancements over a plain form: CodeMirror over the textarea (line
// numbers, YAML highlighting), errors marked at their lines, examples and uploads loaded without
// leaving the page. Without this file the textarea and buttons still work as a normal form.
(function () {
  "use strict";

  var cm = null; // the CodeMirror instance, when CodeMirror loaded
  var textarea = null;
  var baseline = ""; // the text last loaded (example, upload, saved edit): unchanged means not dirty
  var marked = []; // line handles carrying an error mark

  // --- the editor's text, with or without CodeMirror ------------------------------------------

  function getText() { return cm ? cm.getValue() : textarea.value; }

  function setText(text) {
    clearMarks();
    if (cm) { cm.setValue(text); cm.save(); cm.clearHistory(); } else { textarea.value = text; }
    baseline = text;
  }

  function dirty() { var t = getText(); return t.trim() !== "" && t !== baseline; }

  function confirmReplace() {
    return !dirty() || window.confirm("Replace the text in the editor? Your changes to it will be lost.");
  }

  function goToLine(line) {
    if (cm) {
      var at = Math.max(0, Math.min(line - 1, cm.lineCount() - 1));
      cm.focus();
      cm.setCursor({ line: at, ch: 0 });
      cm.scrollIntoView({ line: at, ch: 0 }, 80);
      return;
    }
    var lines = textarea.value.split("\n"), offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  }

  // --- CodeMirror ------------------------------------------------------------------------------

  function enhance() {
    if (typeof window.CodeMirror !== "function") return; // keep the plain textarea
    var escaped = false; // Esc was just pressed: the next Tab (or Shift+Tab) leaves the editor
    cm = window.CodeMirror.fromTextArea(textarea, {
      mode: "yaml",
      lineNumbers: true,
      indentUnit: 2,
      tabSize: 2,
      indentWithTabs: false, // YAML forbids tabs in indentation
      styleActiveLine: true,
      lineWrapping: false,
      viewportMargin: 50,
      gutters: ["editor-error-gutter", "CodeMirror-linenumbers"],
      extraKeys: {
        Tab: function (editor) {
          if (editor.somethingSelected()) editor.indentSelection("add");
          else editor.replaceSelection(" ".repeat(editor.getOption("indentUnit")), "end");
        },
        "Shift-Tab": function (editor) { editor.indentSelection("subtract"); }
      }
    });
    cm.on("keydown", function (editor, e) {
      if (e.key === "Tab" && escaped) {
        e.codemirrorIgnore = true; // CodeMirror leaves the key alone: the browser moves focus on
        escaped = false;
        return;
      }
      escaped = e.key === "Escape" || (escaped && e.key === "Shift");
    });
    cm.on("blur", function () { escaped = false; });
    cm.on("change", function () { cm.save(); }); // the textarea always holds the text
    var input = cm.getInputField();
    input.setAttribute("aria-labelledby", "manifest-label");
    input.setAttribute("aria-describedby", "manifest-hint");
    input.setAttribute("aria-multiline", "true");
    // The label points at the hidden textarea: send its clicks to the editor.
    var label = document.getElementById("manifest-label");
    if (label) label.addEventListener("click", function (e) { e.preventDefault(); cm.focus(); });
  }

  // --- errors at their lines -------------------------------------------------------------------

  function clearMarks() {
    if (!cm) return;
    marked.forEach(function (handle) {
      cm.removeLineClass(handle, "background", "editor-error-line");
      cm.setGutterMarker(handle, "editor-error-gutter", null);
    });
    marked = [];
  }

  function markErrors() {
    clearMarks();
    if (!cm) return;
    var messages = {};
    document.querySelectorAll("#editor-errors li[data-line]").forEach(function (li) {
      var line = parseInt(li.getAttribute("data-line"), 10);
      if (!(line >= 1 && line <= cm.lineCount())) return;
      var text = (li.querySelector(".editor-problem") || li).textContent;
      (messages[line] = messages[line] || []).push(text);
    });
    Object.keys(messages).forEach(function (key) {
      var marker = document.createElement("span");
      marker.className = "editor-error-marker";
      marker.textContent = "✖"; // a shape, not only the line's color
      marker.title = messages[key].join("\n"); // textContent: never markup
      var handle = cm.addLineClass(parseInt(key, 10) - 1, "background", "editor-error-line");
      cm.setGutterMarker(handle, "editor-error-gutter", marker);
      marked.push(handle);
    });
  }

  // --- what the server sends back --------------------------------------------------------------

  function afterOutput() {
    var loaded = document.getElementById("editor-loaded");
    if (loaded) {
      setText(loaded.value);
      loaded.remove();
    }
    markErrors();
  }

  function clearOutput(message) {
    var output = document.getElementById("editor-output");
    output.innerHTML = '<div id="editor-result" class="editor-result"></div>' +
      '<ul id="editor-errors" class="editor-errors"></ul>';
    if (message) {
      var result = document.getElementById("editor-result");
      result.className = "editor-result editor-error";
      var p = document.createElement("p");
      p.className = "editor-heading";
      p.textContent = message;
      result.appendChild(p);
    }
  }

  function loadExample(form) {
    var kind = form.querySelector("select").value;
    if (!kind) return;
    if (!confirmReplace()) return;
    var url = form.getAttribute("data-example-url").replace("KIND", encodeURIComponent(kind));
    fetch(url, { headers: { Accept: "text/plain" } }).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.text();
    }).then(function (text) {
      setText(text);
      clearOutput();
      if (cm) cm.focus(); else textarea.focus();
    }).catch(function (err) {
      clearOutput("The example could not be loaded: " + err.message);
    });
  }

  function loadLatest(link) {
    if (!window.confirm("Replace your text with the latest version? Your changes will be lost unless you copy them first.")) return;
    var latest = document.querySelector(".editor-latest-text");
    var version = document.getElementById("resource-version");
    setText(latest.textContent);
    if (version) version.value = link.getAttribute("data-resource-version");
    clearOutput();
    if (cm) cm.focus();
  }

  function wire() {
    var examples = document.querySelector(".editor-examples");
    if (examples) {
      examples.addEventListener("submit", function (e) { e.preventDefault(); loadExample(examples); });
    }
    document.addEventListener("click", function (e) {
      var go = e.target.closest && e.target.closest("a.editor-goto");
      if (go) { e.preventDefault(); goToLine(parseInt(go.getAttribute("data-line"), 10)); return; }
      var latest = e.target.closest && e.target.closest("a[data-load-latest]");
      if (latest) { e.preventDefault(); loadLatest(latest); }
    });
    // An upload replaces the editor's text: ask first when it holds changes.
    document.body.addEventListener("htmx:confirm", function (e) {
      if (!e.target.matches || !e.target.matches("[data-upload]")) return;
      if (dirty()) {
        e.preventDefault();
        if (confirmReplace()) e.detail.issueRequest(true);
      }
    });
    // The editor's text goes with every request that carries the form's `manifest`.
    document.body.addEventListener("htmx:configRequest", function (e) {
      if (cm) cm.save();
      var data = e.detail.formData;
      if (data && data.has && data.has("manifest")) e.detail.parameters.manifest = getText();
    });
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target && e.detail.target.id === "editor-output") afterOutput();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    textarea = document.getElementById("manifest");
    if (!textarea || !document.querySelector("[data-editor-page]")) return;
    baseline = textarea.value;
    enhance();
    wire();
    markErrors(); // a full page after a plain post may already list errors
  });
})();
