/* cds: the share links under an article. Without this script they are plain links to the
   article's address (long-press to copy, Facebook's sharer page). With it: "Zalo" opens the
   phone's share sheet (where Zalo is) when there is one, else copies the address; "Sao chép
   liên kết" copies it. Nothing is loaded from another host. */
(function () {
  "use strict";
  function done(link, text) {
    var box = link.parentNode.querySelector(".cds-share__done");
    if (box) { box.textContent = text; }
  }
  function copy(link) {
    var url = link.href;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () {
        done(link, "Đã sao chép liên kết: dán vào Zalo, Facebook hoặc tin nhắn.");
      }, function () { done(link, "Hãy sao chép địa chỉ: " + url); });
    } else {
      done(link, "Hãy sao chép địa chỉ: " + url);
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-cds-share]") : null;
    if (!link) { return; }
    event.preventDefault();
    if (link.getAttribute("data-cds-share") === "zalo" && navigator.share) {
      navigator.share({ title: document.title, url: link.href }).catch(function () {});
      return;
    }
    copy(link);
  });
})();
