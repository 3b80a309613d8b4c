/* policysearch embeddable search box.
 *
 *   <script src="https://HOST/embed.js" data-target="#search"></script>
 *   or, after the script has loaded anywhere on the page:  <policy-search></policy-search>
 *
 * Renders into a shadow root (no dependence on the host page's CSS or scripts) and
 * talks to HOST's JSON API over CORS. Text from the API is inserted as text nodes;
 * the matches (spans) become <mark> elements. Messages come in the box's language.
 * Served with combobox.js (autocomplete) inside one wrapper (searchweb/embed.py).
 *
 * Put a plain form in the target as fallback markup; the box replaces it, and it stays
 * when this script cannot load:
 *   <div id="search"><form action="https://HOST/"><input name="q"><button>검색</button></form></div>
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
    "mark { background: #ffe58a; color: inherit; }",
    ".field { position: relative; flex: 1; display: flex; }",
    ".suggestions { position: absolute; top: 100%; left: 0; right: 0; z-index: 3; list-style: none; margin: 2px 0 0; padding: 4px 0; background: #fff; border: 1px solid #9aa3b2; border-radius: 6px; box-shadow: 0 4px 12px rgba(0,0,0,.12); }",
    ".suggestions li { padding: 4px 10px; margin: 0; cursor: pointer; }",
    ".suggestions li[aria-selected='true'], .suggestions li:hover { background: #e8f0fb; }",
    ".kind { color: #5b6474; font-size: 12px; }",
    ".more { margin: 4px 0 0; }",
    ".related-heading { margin: 14px 0 6px; padding-top: 8px; border-top: 1px solid #d5dae2; font-weight: 600; color: #3b4352; }",
    ".reason { color: #5b6474; font-size: 12px; }",
    "a:focus, input:focus, button:focus { outline: 3px solid #f0a500; outline-offset: 2px; }"
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

  var TEXT = {
    ko: {
      label: "정책 검색", button: "검색", count: "{n}건", seeAll: "검색 결과 {n}건 모두 보기",
      related: "관련 결과 {n}건", noMatch: "일치하는 문서 없음",
      busy: "요청이 많습니다. {s}초 뒤에 다시 검색합니다.", retrying: "다시 검색하는 중…",
      offline: "검색 서버에 연결할 수 없습니다.", failed: "검색 서버에 문제가 생겼습니다. 잠시 뒤 다시 시도해 주세요.",
      fullSearch: "검색 페이지에서 찾기", correction: "· 맞춤법 교정", title: "· 문서", initials: "· 초성", popular: "· 많이 찾은 검색어"
    },
    en: {
      label: "Search policies", button: "Search", count: "{n} results", seeAll: "See all {n} results",
      related: "{n} related results", noMatch: "No document matches",
      busy: "Too many searches right now. Searching again in {s} s.", retrying: "Searching again…",
      offline: "The search server cannot be reached.", failed: "The search server has a problem. Try again shortly.",
      fullSearch: "Search on the full page", correction: "· corrected", title: "· document", initials: "· initials", popular: "· frequent search"
    }
  };
  var MAX_RETRY_S = 60;

  class PolicySearch extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) { return; }
      var root = this.attachShadow({ mode: "open" });
      applyStyle(root);
      this.api = this.getAttribute("api") || apiBase;
      this.size = parseInt(this.getAttribute("size") || "5", 10);
      var korean = (this.getAttribute("lang") || document.documentElement.lang || navigator.language || "ko").indexOf("ko") === 0;
      this.korean = korean;
      this.text = TEXT[korean ? "ko" : "en"];
      var text = this.text;
      // Without the script this is a plain form to the full search page.
      var form = document.createElement("form");
      form.setAttribute("role", "search");
      form.action = this.api + "/";
      form.method = "get";
      var field = document.createElement("div");
      field.className = "field";
      this.input = document.createElement("input");
      this.input.type = "search";
      this.input.name = "q";
      this.input.setAttribute("aria-label", text.label);
      this.input.placeholder = this.getAttribute("placeholder") || text.label;
      field.appendChild(this.input);
      var button = document.createElement("button");
      button.type = "submit";
      button.textContent = text.button;
      form.appendChild(field);
      form.appendChild(button);
      this.status = document.createElement("p");
      this.status.className = "status";
      this.status.setAttribute("aria-live", "polite");
      this.list = document.createElement("ol");
      this.more = document.createElement("p");
      this.more.className = "more";
      root.appendChild(form);
      root.appendChild(this.status);
      root.appendChild(this.list);
      root.appendChild(this.more);
      var self = this;
      form.addEventListener("submit", function (event) { event.preventDefault(); self.search(); });
      this.input.addEventListener("input", function () {
        clearTimeout(self.timer);
        self.timer = setTimeout(function () { self.search(); }, 250);
      });
      attachCombobox(this.input, {
        suggest: suggestionsFrom(self.api, self.language(), 6),
        choose: function () { self.search(); },
        kindLabels: { correction: text.correction, title: text.title, initials: text.initials, popular: text.popular }
      });
      // Down from the box (no suggestions open) goes to the results; Up/Down move
      // between them; Escape goes back to the box.
      this.input.addEventListener("keydown", function (event) {
        if ((event.key === "ArrowDown" || event.key === "Down") && !event.defaultPrevented) {
          var first = self.list.querySelector("a");
          if (first) { event.preventDefault(); first.focus(); }
        }
      });
      this.list.addEventListener("keydown", function (event) {
        var links = Array.prototype.slice.call(self.list.querySelectorAll("a"));
        var at = links.indexOf(root.activeElement);
        if (event.key === "ArrowDown" || event.key === "Down") {
          event.preventDefault();
          if (at + 1 < links.length) { links[at + 1].focus(); }
        } else if (event.key === "ArrowUp" || event.key === "Up") {
          event.preventDefault();
          if (at > 0) { links[at - 1].focus(); } else { self.input.focus(); }
        } else if (event.key === "Escape" || event.key === "Esc") {
          event.preventDefault();
          self.input.focus();
        }
      });
    }

    language() { return this.korean ? "ko" : "en"; }

    say(template, values) {
      return template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
    }

    pageUrl(q) {
      return this.api + "/?q=" + encodeURIComponent(q) + "&hl=" + this.language();
    }

    clear() {
      this.list.replaceChildren();
      this.more.replaceChildren();
    }

    search() {
      var q = this.input.value.trim();
      var self = this;
      var ticket = (this.ticket = (this.ticket || 0) + 1);
      clearTimeout(this.retryTimer);
      if (!q) { this.clear(); this.status.textContent = ""; return; }
      var url = this.api + "/api/search?size=" + this.size + "&hl=" + this.language() +
        "&q=" + encodeURIComponent(q);
      fetch(url, { mode: "cors", credentials: "omit" })
        .then(function (response) {
          return response.json().then(
            function (data) { return { response: response, data: data }; },
            function () { return { response: response, data: null }; });
        })
        .then(function (answer) {
          if (ticket !== self.ticket) { return; }
          var response = answer.response;
          if (response.ok && answer.data) { self.render(answer.data, q); return; }
          if (response.status === 429) {
            var wait = parseInt(response.headers.get("Retry-After") || "5", 10);
            self.retryLater(isNaN(wait) ? 5 : Math.min(Math.max(wait, 1), MAX_RETRY_S), ticket);
          } else if (response.status >= 500 || !answer.data) {
            self.fail(self.text.failed, q);
          } else {
            self.fail(answer.data.error, q);  // the request itself: the server's words, in hl
          }
        })
        .catch(function () { if (ticket === self.ticket) { self.fail(self.text.offline, q); } });
    }

    // Stale results never stay under a new query: an error clears them.
    fail(message, q) {
      this.clear();
      this.status.textContent = message + " ";
      var link = document.createElement("a");
      link.href = this.pageUrl(q);
      link.textContent = this.text.fullSearch;
      this.status.appendChild(link);
    }

    retryLater(seconds, ticket) {
      var self = this;
      this.clear();
      this.status.textContent = this.say(this.text.busy, { s: seconds });
      this.retryTimer = setTimeout(function () {
        if (ticket !== self.ticket) { return; }
        self.status.textContent = self.text.retrying;
        self.search();
      }, seconds * 1000);
    }

    // The matches, then the related results under their own heading and count; each
    // hit says why it was found (its reasons, in the box's language).
    render(data, q) {
      this.clear();
      var total = data.total.toLocaleString();
      var related = (data.related_total || 0).toLocaleString();
      var counts = [data.total ? this.say(this.text.count, { n: total }) : this.text.noMatch];
      if (data.related_total) { counts.push(this.say(this.text.related, { n: related })); }
      var notices = (data.notices || []).map(function (notice) { return notice.message; });
      this.status.textContent = counts.concat(notices).join(" · ");
      var api = this.api;
      var list = this.list;
      var headingShown = false;
      var self = this;
      data.hits.forEach(function (hit) {
        if (hit.tier === "related" && !headingShown) {
          var heading = document.createElement("li");
          heading.className = "related-heading";
          heading.setAttribute("role", "presentation");
          heading.textContent = self.say(self.text.related, { n: related });
          list.appendChild(heading);
          headingShown = true;
        }
        var item = document.createElement("li");
        item.setAttribute("data-tier", hit.tier || "match");
        var link = document.createElement("a");
        var target = new URL(hit.doc_url, api + "/");
        target.searchParams.set("q", data.searched || q);  // the document page marks the words
        link.href = target.href;
        link.target = "_blank";
        link.rel = "noopener";
        appendMarked(link, hit.title, hit.title_spans);
        var snippet = document.createElement("p");
        appendMarked(snippet, hit.snippet, hit.snippet_spans);
        item.appendChild(link);
        item.appendChild(snippet);
        var reasons = (hit.reasons || []).map(function (reason) { return reason.message; });
        if (reasons.length) {
          var why = document.createElement("p");
          why.className = "reason";
          why.textContent = reasons.join(" · ");
          item.appendChild(why);
        }
        list.appendChild(item);
      });
      var shown = data.total + (data.related_total || 0);
      if (shown > data.hits.length) {
        var all = document.createElement("a");
        all.href = this.pageUrl(q);
        all.target = "_blank";
        all.rel = "noopener";
        all.className = "see-all";
        all.textContent = this.say(this.text.seeAll, { n: (data.total || shown).toLocaleString() });
        this.more.appendChild(all);
      }
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
        // The fallback markup inside the target (a plain form to the search page, for
        // when this script cannot load) gives way to the box.
        element.replaceChildren(box);
      });
    };
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mount); } else { mount(); }
  }
})();
