// A pod's log, followed live: the page renders the log so far in <pre id="log" data-ws
// data-after>; this opens the websocket (dashboard.consumers.logs) and appends each batch of
// new lines as text (never as markup: log lines are whatever a program printed). It keeps the
// newest line in view unless the reader scrolled up, says in #log-status whether it is
// following, waiting or stopped, and reconnects (from the last line it has) if the connection
// drops.
(function () {
  "use strict";
  var RETRY_MS = 2000;
  var MAX_CHUNKS = 5000;  // appended batches kept; the oldest go first
  var BAD_REQUEST = 4400;

  function start() {
    var pre = document.getElementById("log");
    var status = document.getElementById("log-status");
    if (!pre || !pre.dataset.ws) return;
    var after = pre.dataset.after || "";
    var stopped = false;

    function say(text) { if (status) status.textContent = text; }

    function atBottom() { return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 8; }

    function append(text) {
      var follow = atBottom();
      pre.appendChild(document.createTextNode(text));
      while (pre.childNodes.length > MAX_CHUNKS) pre.removeChild(pre.firstChild);
      if (follow) pre.scrollTop = pre.scrollHeight;
    }

    function url() {
      var u = new URL(pre.dataset.ws, location.href);
      u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
      u.searchParams.set("after", after);
      return u.href;
    }

    function receive(event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (typeof data.lines === "string") {
        append(data.lines);
        if (data.last) after = data.last;
      }
      if (data.status === "following") say("Following…");
      else if (data.status === "waiting") say("Waiting: " + data.message);
      else if (data.status === "stopped") { stopped = true; say("Stopped: " + data.message); }
    }

    function connect() {
      var socket = new WebSocket(url());
      socket.addEventListener("message", receive);
      socket.addEventListener("close", function (event) {
        if (stopped) return;
        if (event.code === BAD_REQUEST) { stopped = true; say("Stopped: the log cannot be followed."); return; }
        say("Disconnected; reconnecting…");
        setTimeout(connect, RETRY_MS);
      });
    }

    pre.scrollTop = pre.scrollHeight;
    connect();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
