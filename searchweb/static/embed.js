/* policysearch embeddable search box.
 *
 *   <script src="https://HOST/embed.js" data-target="#search"></script>
 *   or, after the script has loaded anywhere on the page:  <policy-search></policy-search>
 *
 * Renders into a shadow root (no dependence on the host page's CSS or scripts) and
 * talks to HOST's JSON API over CORS. Text from the API is inserted as text nodes;
 * the matches (spans) become <mark> elements. Messages come in the box's language.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var apiBase = script && script.src ? new URL(script.src).origin : "";
  var CSS = [
    ":host { all: initial; display: block; font: 15px/1.5 system-ui, 'Noto Sans CJK KR', sans-serif; color: #1d2430; }",
    "form { display: flex; gap: 6px; }",
    "input { flex: 1; font: inherit; padding: 7px 9px; border: 1px solid #9aa3b2; border-radius: 6px; }",
    "button { font: inherit; padding: 7px 12px; border-radius: 6px; border: 1px solid #0b5cad; background: #0b5cad; color: #fff; }",
    "ol { list-style: none; margin: 10px 0 0; padding: 0; }",
    "li { margin: 0 0 12px; }",
    "a { color: #0b5cad; font-weight: 600; }",
    "p { margin: 2px 0; }",
    ".status { color: #5b6474; font-size: 13px; }",
    "mark { background: #ffe58a; color: inherit; }"
  ].join("\n");
  // Titles and snippets come as plain text plus the spans of the matches, [start, end)
  // in Unicode code points: the text goes in as text nodes, the spans as <mark>.
  function appendMarked(parent, text, spans) {
    var chars = Array.from(text || "");
    var index = 0;
    (spans || []).forEach(function (span) {
      if (span[0] > index) { parent.appendChild(document.createTextNode(chars.slice(index, span[0]).join(""))); }
      var mark = document.createElement("mark");
      mark.textContent = chars.slice(span[0], span[1]).join("");
      parent.appendChild(mark);
      index = span[1];
    });
    if (index < chars.length) { parent.appendChild(document.createTextNode(chars.slice(index).join(""))); }
  }

  function applyStyle(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      var style = document.createElement("style");
      style.textContent = CSS;
      root.appendChild(style);
    }
  }

  class PolicySearch extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) { return; }
      var root = this.attachShadow({ mode: "open" });
      applyStyle(root);
      this.api = this.getAttribute("api") || apiBase;
      this.size = parseInt(this.getAttribute("size") || "5", 10);
      var korean = (this.getAttribute("lang") || document.documentElement.lang || navigator.language || "ko").indexOf("ko") === 0;
      var form = document.createElement("form");
      form.setAttribute("role", "search");
      this.input = document.createElement("input");
      this.input.type = "search";
      this.input.setAttribute("aria-label", korean ? "정책 검색" : "Search policies");
      this.input.placeholder = this.getAttribute("placeholder") || (korean ? "정책 검색" : "Search policies");
      var button = document.createElement("button");
      button.type = "submit";
      button.textContent = korean ? "검색" : "Search";
      form.appendChild(this.input);
      form.appendChild(button);
      this.status = document.createElement("p");
      this.status.className = "status";
      this.status.setAttribute("aria-live", "polite");
      this.list = document.createElement("ol");
      root.appendChild(form);
      root.appendChild(this.status);
      root.appendChild(this.list);
      this.korean = korean;
      var self = this;
      form.addEventListener("submit", function (event) { event.preventDefault(); self.search(); });
      this.input.addEventListener("input", function () {
        clearTimeout(self.timer);
        self.timer = setTimeout(function () { self.search(); }, 250);
      });
    }

    search() {
      var q = this.input.value.trim();
      var self = this;
      var ticket = (this.ticket = (this.ticket || 0) + 1);
      if (!q) { this.list.replaceChildren(); this.status.textContent = ""; return; }
      var url = this.api + "/api/search?size=" + this.size + "&hl=" + (this.korean ? "ko" : "en") +
        "&q=" + encodeURIComponent(q);
      fetch(url, { mode: "cors", credentials: "omit" })
        .then(function (response) { return response.json(); })
        .then(function (data) { if (ticket === self.ticket) { self.render(data); } })
        .catch(function () {
          if (ticket === self.ticket) { self.status.textContent = self.korean ? "검색할 수 없습니다." : "Search is unavailable."; }
        });
    }

    render(data) {
      this.list.replaceChildren();
      if (data.error) { this.status.textContent = data.error; return; }
      var count = this.korean ? data.total.toLocaleString() + "건" : data.total.toLocaleString() + " results";
      var notices = (data.notices || []).map(function (notice) { return notice.message; });
      this.status.textContent = [count].concat(notices).join(" · ");
      var api = this.api;
      var list = this.list;
      data.hits.forEach(function (hit) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = new URL(hit.doc_url, api + "/").href;
        link.target = "_blank";
        link.rel = "noopener";
        appendMarked(link, hit.title, hit.title_spans);
        var snippet = document.createElement("p");
        appendMarked(snippet, hit.snippet, hit.snippet_spans);
        item.appendChild(link);
        item.appendChild(snippet);
        list.appendChild(item);
      });
    }
  }

  if (!customElements.get("policy-search")) {
    customElements.define("policy-search", PolicySearch);
  }
  var target = script && script.getAttribute("data-target");
  if (target) {
    var mount = function () {
      document.querySelectorAll(target).forEach(function (element) {
        var box = document.createElement("policy-search");
        ["size", "placeholder", "lang"].forEach(function (name) {
          var value = script.getAttribute("data-" + name);
          if (value) { box.setAttribute(name, value); }
        });
        box.setAttribute("api", apiBase);
        element.appendChild(box);
      });
    };
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mount); } else { mount(); }
  }
})();
