/* policylab: the zh/en switch of the interface text (compare.site.escape.tr writes each text twice,
   `.pl-zh` and `.pl-en`).  Offline, no library: the choice (both, zh or en) is kept in localStorage
   and set as `data-pl-lang` on <html>, which site.css reads; default both. */
(function () {
  var KEY = "policylab-lang", CHOICES = ["both", "zh", "en"];
  var LABELS = {both: "中/EN", zh: "中", en: "EN"};
  var TITLES = {both: "中文和英文 Chinese and English", zh: "只显示中文 Chinese only", en: "English only 只显示英文"};
  function stored() {
    try { var v = window.localStorage.getItem(KEY); return CHOICES.indexOf(v) >= 0 ? v : "both"; }
    catch (e) { return "both"; }  /* storage refused (a private window): both, not remembered */
  }
  function apply(choice) {
    document.documentElement.setAttribute("data-pl-lang", choice);
    var buttons = document.querySelectorAll(".pl-lang-switch button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-lang") === choice ? "true" : "false");
    }
  }
  function choose(choice) {
    try { window.localStorage.setItem(KEY, choice); } catch (e) { /* shown, not remembered */ }
    apply(choice);
  }
  function build() {
    if (document.querySelector(".pl-lang-switch")) { apply(stored()); return; }
    var box = document.createElement("div");
    box.className = "pl-lang-switch";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "界面语言 interface language");
    CHOICES.forEach(function (choice) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-lang", choice);
      b.title = TITLES[choice];
      b.textContent = LABELS[choice];
      b.addEventListener("click", function () { choose(choice); });
      box.appendChild(b);
    });
    var header = document.querySelector(".md-header__inner") || document.body;
    var search = header.querySelector(".md-search");
    header.insertBefore(box, search && search.parentNode === header ? search : null);
    apply(stored());
  }
  document.documentElement.setAttribute("data-pl-lang", stored());
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", build); } else { build(); }
})();
