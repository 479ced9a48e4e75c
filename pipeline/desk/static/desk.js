/* cds desk: keyboard triage on the queue, edit-lock refresh, publish progress. No framework,
   nothing loaded from elsewhere; every action is also reachable without this script. */
(function () {
  "use strict";
  var token = function () {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  };

  function post(url, fields) {
    var f = document.createElement("form");
    f.method = "post";
    f.action = url;
    fields.csrf_token = token();
    Object.keys(fields).forEach(function (k) {
      var i = document.createElement("input");
      i.type = "hidden"; i.name = k; i.value = fields[k];
      f.appendChild(i);
    });
    document.body.appendChild(f);
    f.submit();
  }

  function queue() {
    var rows = Array.prototype.slice.call(document.querySelectorAll(".queue .row"));
    var help = document.getElementById("tro-giup");
    if (!rows.length && !help) return;
    var cur = -1;
    function select(i) {
      if (!rows.length) return;
      i = Math.max(0, Math.min(rows.length - 1, i));
      if (cur >= 0) rows[cur].classList.remove("current");
      cur = i;
      rows[cur].classList.add("current");
      var link = rows[cur].querySelector("h3 a");
      if (link) link.focus();
      rows[cur].scrollIntoView({block: "nearest"});
    }
    rows.forEach(function (r, i) {
      r.addEventListener("focusin", function () {
        if (cur >= 0 && cur !== i) rows[cur].classList.remove("current");
        cur = i; r.classList.add("current");
      });
    });
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
      var row = cur >= 0 ? rows[cur] : null;
      var act = function (action, extra) {
        if (!row) return;
        var fields = {action: action, next: location.pathname + location.search};
        if (extra) Object.keys(extra).forEach(function (k) { fields[k] = extra[k]; });
        post(row.getAttribute("data-href") + "/hanh-dong", fields);
      };
      switch (e.key) {
        case "j": select(cur + 1); break;
        case "k": select(cur - 1); break;
        case "a": act("approve"); break;
        case "f": act("feature"); break;
        case "r":
          if (!row) return;
          var reason = window.prompt("Lý do từ chối (có thể để trống):", "");
          if (reason === null) return;
          act("reject", {reason: reason});
          break;
        case "o":
          if (row) window.open(row.getAttribute("data-url"), "_blank", "noopener");
          break;
        case "?":
          if (help) { help.hidden = !help.hidden; if (!help.hidden) help.scrollIntoView(); }
          break;
        default: return;
      }
      e.preventDefault();
    });
  }

  function lockRefresh() {
    var form = document.getElementById("sua-bai");
    if (!form || !form.getAttribute("data-lock-url")) return;
    var url = form.getAttribute("data-lock-url");
    setInterval(function () {
      var body = new URLSearchParams();
      body.set("csrf_token", token());
      fetch(url, {method: "POST", body: body, credentials: "same-origin",
                  headers: {"Accept": "application/json", "X-CSRFToken": token()}});
    }, 60000);
  }

  function progress() {
    var p = document.getElementById("tien-do");
    if (p && p.getAttribute("data-refresh")) {
      setTimeout(function () { location.reload(); }, 2000);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    queue(); lockRefresh(); progress();
  });
})();
