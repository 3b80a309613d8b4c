/* Autocomplete for a search box: the WAI-ARIA 1.2 combobox pattern with a list popup
 * (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/). Shared by the search page
 * (loaded before app.js) and the embedded box (served inside embed.js's wrapper, so
 * nothing leaks into the host page).
 *
 *   attachCombobox(input, {
 *     suggest: function (text, done) { ... done([{text, kind, id}]) },  // suggestionsFrom()
 *     choose: function (suggestion) { ... },   // after the box holds its text
 *     kindLabels: {correction: "교정", ...}    // shown after an option's text
 *   });
 *
 * Keys: Down/Up move through the options (opening the list) and the box shows the
 * active one, as portal search boxes do; past the last (or above the first) the box
 * shows what was typed again. Enter takes the active option (or submits the form as
 * typed when none is active), Escape closes the list and puts back what was typed, and
 * a second Escape clears the box. The input keeps focus throughout; the active
 * option is announced through aria-activedescendant.
 */
function attachCombobox(input, options) {
  "use strict";
  var DELAY_MS = 150;
  var list = document.createElement("ul");
  var idBase = (input.id || "search") + "-suggestions";
  var suggestions = [];
  var active = -1;
  var typed = "";  // what the user typed, shown again when no option is active
  var ticket = 0;
  var timer = null;
  list.id = idBase;
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.parentNode.insertBefore(list, input.nextSibling);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function open() {
    if (!suggestions.length) { return; }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function activate(index) {
    var items = list.children;
    if (active >= 0 && items[active]) { items[active].setAttribute("aria-selected", "false"); }
    active = index;
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      input.value = typed;
      return;
    }
    input.value = suggestions[index].text;
    items[index].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", items[index].id);
    if (items[index].scrollIntoView) { items[index].scrollIntoView({ block: "nearest" }); }
  }

  function take(index) {
    var chosen = suggestions[index];
    input.value = chosen.text;
    close();
    options.choose(chosen);
  }

  function render(found) {
    suggestions = found || [];
    list.replaceChildren();
    active = -1;
    suggestions.forEach(function (suggestion, index) {
      var item = document.createElement("li");
      item.id = idBase + "-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.setAttribute("data-kind", suggestion.kind || "");
      item.appendChild(document.createTextNode(suggestion.text));
      var label = (options.kindLabels || {})[suggestion.kind];
      if (label) {
        var hint = document.createElement("span");
        hint.className = "kind";
        hint.textContent = " " + label;
        item.appendChild(hint);
      }
      // mousedown would take the focus from the input (and close the list) first.
      item.addEventListener("mousedown", function (event) { event.preventDefault(); });
      item.addEventListener("click", function () { take(index); });
      list.appendChild(item);
    });
    // In a shadow root the document's activeElement is the host; the root knows better.
    if (suggestions.length && input.getRootNode().activeElement === input) { open(); } else { close(); }
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value;
    typed = text;
    var mine = ++ticket;
    if (!text.trim()) { render([]); return; }
    timer = setTimeout(function () {
      options.suggest(text, function (found) { if (mine === ticket) { render(found); } });
    }, DELAY_MS);
  });

  input.addEventListener("keydown", function (event) {
    var count = suggestions.length;
    if (event.key === "ArrowDown" || event.key === "Down") {
      if (!count) { return; }
      event.preventDefault();
      open();
      activate(active + 1 < count ? active + 1 : -1);
    } else if (event.key === "ArrowUp" || event.key === "Up") {
      if (!count) { return; }
      event.preventDefault();
      open();
      activate(active === -1 ? count - 1 : active - 1);
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0) {
        event.preventDefault();
        take(active);
      } else {
        ticket++;  // a search as typed: suggestions still on their way are dropped
        close();
      }
    } else if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      if (!list.hidden) {
        if (active >= 0) { input.value = typed; }
        close();
      } else { ticket++; input.value = ""; typed = ""; render([]); }
    } else if (event.key === "Tab") {
      close();
    }
  });
  input.addEventListener("blur", function () { close(); });
  return { close: close };
}

/* A ``suggest`` for attachCombobox from the server at ``apiBase`` ("" for this one):
 * /api/suggest in ``language``, at most ``limit``; nothing when it fails. */
function suggestionsFrom(apiBase, language, limit) {
  "use strict";
  return function (text, done) {
    var url = apiBase + "/api/suggest?limit=" + limit + "&hl=" + language + "&q=" + encodeURIComponent(text);
    // same-origin credentials: none are sent to another origin (the embedded box).
    fetch(url, { mode: "cors", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) { done(data.suggestions); }, function () { done([]); });
  };
}
