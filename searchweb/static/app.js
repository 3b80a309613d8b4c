// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Ticking a facet applies it at once, instead of waiting for the Apply button.
  var form = document.getElementById("facet-form");
  if (form) {
    form.addEventListener("change", function (event) {
      if (event.target && event.target.type === "checkbox") { form.submit(); }
    });
  }
  // "/" focuses the search box, as on many search sites.
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("q");
    if (event.key === "/" && box && document.activeElement !== box &&
        !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
      event.preventDefault();
      box.focus();
    }
  });
})();
