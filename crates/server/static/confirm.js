// Consequential steps ask first (issue 15). A submit button with `data-confirm` opens a <dialog>
// with that sentence; 确认 posts the form with `confirm=1` and the button's name/value, 返回 closes.
// Without this script the server answers the same post with a confirmation page instead.
(function () {
  "use strict";
  function dialog() {
    var d = document.getElementById("confirm-dialog");
    if (d) return d;
    d = document.createElement("dialog");
    d.id = "confirm-dialog";
    d.setAttribute("aria-labelledby", "confirm-dialog-text");
    var art = document.createElement("article");
    var p = document.createElement("p");
    p.id = "confirm-dialog-text";
    var foot = document.createElement("footer");
    var back = document.createElement("button");
    back.type = "button";
    back.className = "secondary outline";
    back.id = "confirm-dialog-back";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "contrast";
    yes.id = "confirm-dialog-yes";
    foot.appendChild(back);
    foot.appendChild(yes);
    art.appendChild(p);
    art.appendChild(foot);
    d.appendChild(art);
    document.body.appendChild(d);
    back.addEventListener("click", function () { d.close(); });
    return d;
  }
  function hidden(form, name, value) {
    var i = document.createElement("input");
    i.type = "hidden";
    i.name = name;
    i.value = value;
    form.appendChild(i);
  }
  document.addEventListener("submit", function (e) {
    var b = e.submitter;
    if (!b || !b.dataset || !b.dataset.confirm || e.target.dataset.confirmed) return;
    e.preventDefault();
    var form = e.target;
    var d = dialog();
    d.querySelector("#confirm-dialog-text").textContent = b.dataset.confirm;
    d.querySelector("#confirm-dialog-back").textContent = b.dataset.confirmBack || "返回";
    var yes = d.querySelector("#confirm-dialog-yes");
    yes.textContent = b.dataset.confirmYes || "确认";
    yes.onclick = function () {
      if (b.name) hidden(form, b.name, b.value);
      hidden(form, "confirm", "1");
      form.dataset.confirmed = "1";
      d.close();
      form.submit();
    };
    d.showModal();
  }, true);
})();
