// tuoguan: small page behaviours that every page may use (docs/UI.md). Pages work without it.
// A print button (<button data-print hidden>) shows only when a script can print.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
});
