/* cds: keyboard and screen-reader access to Material's header toggles (phones, zoomed screens).
   Material opens the navigation drawer (and its search, when on) with a <label for="…"> holding
   only an icon: no name, no keyboard access (squidfunk/mkdocs-material#4101). Each becomes a real
   <button> with a Vietnamese name that reports its state and toggles the same checkbox. Escape
   closes the drawer and gives focus back; tabbing out of it closes it too. cds.css keeps the
   closed drawer's links out of the tab order. Without JavaScript Material's labels stay. */
(function () {
  "use strict";
  var NAMES = { __drawer: "Trình đơn", __search: "Tìm kiếm" };

  function button(label, id, toggle, controls) {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = label.className + " cds-toggle cds-toggle--" + id.replace(/_/g, "");
    btn.innerHTML = label.innerHTML;          /* Material's icon (an inline SVG) */
    btn.setAttribute("aria-label", NAMES[id]);
    if (controls && controls.id) btn.setAttribute("aria-controls", controls.id);
    btn.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
    btn.addEventListener("click", function () { toggle.click(); });
    toggle.addEventListener("change", function () {
      btn.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
    });
    label.parentNode.replaceChild(btn, label);
    return btn;
  }

  /* Material's search dialog, when the site has it, is unnamed. */
  var search = document.querySelector('.md-search[role="dialog"]');
  if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", NAMES.__search);
  var searchToggle = document.getElementById("__search");
  var searchLabel = document.querySelector('.md-header label[for="__search"]');
  if (search && searchToggle && searchLabel) {
    if (!search.id) search.id = "cds-search-dialog";
    button(searchLabel, "__search", searchToggle, search);
  }

  var toggle = document.getElementById("__drawer");
  var drawer = document.querySelector(".md-sidebar--primary");
  var label = document.querySelector('.md-header label[for="__drawer"]');
  if (!toggle || !drawer || !label) return;
  if (!drawer.id) drawer.id = "cds-drawer";
  var opener = button(label, "__drawer", toggle, drawer);

  toggle.addEventListener("change", function () {
    if (!toggle.checked || document.activeElement !== opener) return;
    /* the drawer is visible from the next frame on (cds.css) */
    window.requestAnimationFrame(function () {
      var first = drawer.querySelector("a[href], button, [tabindex='0']");
      if (first) first.focus();
    });
  });
  drawer.addEventListener("focusout", function (ev) {
    var to = ev.relatedTarget;
    if (toggle.checked && to && !drawer.contains(to) && to !== opener) toggle.click();
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && toggle.checked) {
      toggle.click();
      opener.focus();
    }
  });
})();
