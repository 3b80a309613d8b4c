// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Ticking a facet applies it at once, instead of waiting for the Apply button.
  var form = document.getElementById("facet-form");
  if (form) {
    form.addEventListener("change", function (event) {
      // In the phone drawer one ticks several and applies them with the button.
      var inDrawer = form.closest(".facets.open");
      if (event.target && event.target.type === "checkbox" && !inDrawer) { withoutEmpty(form); form.submit(); }
    });
    form.addEventListener("submit", function () { withoutEmpty(form); });
    // Back to this page from the browser's cache: the boxes emptied above work again.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.querySelectorAll("input:disabled"), function (input) { input.disabled = false; });
    });
  }
  // The filter box of an expanded facet narrows its values as one types; Enter asks the
  // server (which also works without this script).
  var boxes = document.querySelectorAll(".facet-filter input");
  Array.prototype.forEach.call(boxes, function (box) {
    var items = box.closest("fieldset").querySelectorAll("li");
    box.addEventListener("input", function () {
      var wanted = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(items, function (item) {
        var label = item.querySelector(".facet-label").textContent.toLowerCase();
        var value = item.querySelector("input").value.toLowerCase();
        var checked = item.querySelector("input").checked;
        item.hidden = !(checked || label.indexOf(wanted) >= 0 || value.indexOf(wanted) >= 0);
      });
    });
  });
  // Copy buttons (shown only with this script): the citation, or the document's link
  // made absolute (without public_url the page holds a path).
  var link = document.querySelector(".doc-link");
  if (link && link.value.charAt(0) === "/") { link.value = location.origin + link.value; }
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var text = source.value !== undefined ? source.value : source.textContent;
      var status = document.querySelector(".cite .copied");
      var done = function () { status.textContent = status.getAttribute("data-done"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { select(source); });
      } else { select(source); }
    });
  });
  function select(source) {
    if (source.select) { source.select(); } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
  }
  // Suggestions as one types (combobox.js): a correction of the text, completions of
  // the last word, matching titles. A title opens its document; the rest search.
  var box = document.getElementById("q");
  if (box && window.attachCombobox) {
    var language = document.documentElement.lang || "ko";
    attachCombobox(box, {
      suggest: suggestionsFrom("", language, 8),
      choose: function (suggestion) {
        if (suggestion.kind === "title" && suggestion.id) {
          location.href = "/doc?id=" + encodeURIComponent(suggestion.id) + "&q=" + encodeURIComponent(box.value);
        } else {
          box.form.submit();
        }
      },
      kindLabels: language === "ko"
        ? { correction: "· 맞춤법 교정", title: "· 문서", initials: "· 초성", popular: "· 많이 찾은 검색어" }
        : { correction: "· corrected", title: "· document", initials: "· initials", popular: "· frequent search" }
    });
  }
  // The filter drawer of narrow screens (style.css shows the button there only).
  var toggle = document.querySelector(".filter-toggle");
  var drawer = document.getElementById("filters");
  if (toggle && drawer) {
    var closeDrawer = function () {
      drawer.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    };
    toggle.addEventListener("click", function () {
      drawer.classList.add("open");
      toggle.setAttribute("aria-expanded", "true");
      var first = drawer.querySelector("input:not([type=hidden]), a, button:not(.drawer-close)");
      if (first) { first.focus(); }
    });
    drawer.querySelector(".drawer-close").addEventListener("click", closeDrawer);
    document.addEventListener("keydown", function (event) {
      if ((event.key === "Escape" || event.key === "Esc") && drawer.classList.contains("open")) { closeDrawer(); }
    });
  }
  // Empty boxes (no date range, no facet text) stay out of the address.
  function withoutEmpty(form) {
    Array.prototype.forEach.call(form.querySelectorAll("input[name]"), function (input) {
      if ((input.type === "text" || input.type === "search" || !input.type) && !input.value) { input.disabled = true; }
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
