/* cds: the webmasters' page (nhung-tin/): builds the <iframe> line from the form and shows it
   in the preview. Only on that page; no request to another host; the page works without it
   (the default line and the table of addresses are in the HTML). */
(function () {
  "use strict";
  var root = document.getElementById("cds-nhung");
  if (!root) { return; }
  var base = root.getAttribute("data-base");
  var $ = function (id) { return document.getElementById(id); };
  var col = $("cds-nhung-cot"), mau = $("cds-nhung-mau"), so = $("cds-nhung-so");
  var rong = $("cds-nhung-rong"), cao = $("cds-nhung-cao");
  var code = $("cds-nhung-ma"), preview = $("cds-nhung-xem");
  var title = code.value.match(/title="([^"]*)"/);
  title = title ? title[1] : "Tin chuyển đổi số";

  function clamp(value, low, high, fallback) {
    var n = parseInt(value, 10);
    if (isNaN(n)) { return fallback; }
    return Math.max(low, Math.min(high, n));
  }
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }
  function update() {
    var n = clamp(so.value, 5, 10, 10);
    var file = (mau.value === "tu-dong" && n === 10) ? "index.html" : mau.value + "-" + n + ".html";
    var src = base + col.value + file;
    var w = clamp(rong.value, 240, 800, 340), h = clamp(cao.value, 200, 1600, 620);
    var label = col.options[col.selectedIndex].text;
    code.value = '<iframe src="' + esc(src) + '" title="' + esc(title + " – " + label) +
      '" width="' + w + '" height="' + h + '" loading="lazy" ' +
      'sandbox="allow-popups allow-popups-to-escape-sandbox" ' +
      'referrerpolicy="strict-origin-when-cross-origin" ' +
      'style="border:1px solid #ddd;max-width:100%"></iframe>';
    // The preview loads this site's own copy of the column (same file, relative address).
    preview.src = "../embed/" + col.value + file;
    preview.width = w;
    preview.height = h;
  }
  so.addEventListener("change", function () {
    cao.value = 120 + 50 * clamp(so.value, 5, 10, 10);
    update();
  });
  [col, mau, rong, cao].forEach(function (el) {
    el.addEventListener("change", update);
    el.addEventListener("input", update);
  });
  code.addEventListener("focus", function () { code.select(); });
  update();
})();
