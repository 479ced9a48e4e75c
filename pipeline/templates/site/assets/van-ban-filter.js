/* cds: narrows the legal documents register (van-ban/) in the browser.
   The table is complete without this script; it only hides rows. Filters are kept in the
   address (?pham-vi=central&loai=quyet-dinh&co-quan=…&nam=2020&tu-khoa=…) so a narrowed
   list can be shared. No dependencies, no network. */
(function () {
  "use strict";

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function init() {
    var form = document.getElementById("van-ban-loc");
    var table = document.getElementById("van-ban-bang");
    if (!form || !table || !table.tBodies.length || form.getAttribute("data-ready")) {
      return;
    }
    form.setAttribute("data-ready", "1");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var fields = Array.prototype.slice.call(form.querySelectorAll("[data-filter]"));
    var count = document.getElementById("van-ban-dem");
    var empty = document.getElementById("van-ban-trong");
    var params = new URLSearchParams(window.location.search);

    fields.forEach(function (field) {
      var value = params.get(field.name);
      if (value === null) { return; }
      if (field.tagName === "SELECT") {
        var known = Array.prototype.some.call(field.options, function (o) {
          return o.value === value;
        });
        if (known) { field.value = value; }
      } else {
        field.value = value;
      }
    });

    function apply() {
      var want = {};
      var query = new URLSearchParams();
      fields.forEach(function (field) {
        var value = field.value.trim();
        want[field.getAttribute("data-filter")] = value;
        if (value) { query.set(field.name, value); }
      });
      var words = fold(want.q).split(" ").filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var ok = ["scope", "type", "issuer", "year"].every(function (key) {
          return !want[key] || row.getAttribute("data-" + key) === want[key];
        });
        if (ok && words.length) {
          var hay = row.getAttribute("data-search") || "";
          ok = words.every(function (w) { return hay.indexOf(w) !== -1; });
        }
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (count) {
        count.textContent = shown === rows.length
          ? rows.length + " văn bản"
          : "Hiển thị " + shown + " trên " + rows.length + " văn bản";
      }
      if (empty) { empty.hidden = shown !== 0; }
      if (window.history && window.history.replaceState) {
        var qs = query.toString();
        window.history.replaceState(null, "",
          window.location.pathname + (qs ? "?" + qs : "") + window.location.hash);
      }
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    form.hidden = false;
    apply();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);   /* Material's instant navigation, when enabled */
  }
})();
