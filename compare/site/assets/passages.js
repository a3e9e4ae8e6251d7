/* policylab: on a city page, the source text beside the items (.pl-source, scrolled on its own) shows
   the passage of the item the address points to (#item-…, from the home matrix or a concept page) or
   of the quote clicked (#passage-…), rather than the text's beginning.  Offline, no library. */
(function () {
  function show() {
    var source = document.querySelector(".pl-source");
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!source || !id) { return; }
    var target = document.getElementById(id);
    if (!target) { return; }
    var passage = target;
    if (!source.contains(target)) {
      var quote = target.querySelector('a.pl-quote[href^="#passage-"]');
      passage = quote ? document.getElementById(quote.getAttribute("href").slice(1)) : null;
    }
    if (!passage || !source.contains(passage)) { return; }
    var mark = passage.nextElementSibling || passage;
    var top = mark.getBoundingClientRect().top - source.getBoundingClientRect().top + source.scrollTop;
    source.scrollTop = Math.max(0, top - source.clientHeight / 3);
  }
  window.addEventListener("hashchange", show);
  if (document.readyState === "complete") { show(); } else { window.addEventListener("load", show); }
})();
