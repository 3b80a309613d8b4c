"""HTML page -> its main content, without menus, headers and footers.

trafilatura (maintained, lxml-based) finds the main content. When it finds none (a
page of only a list, or markup lxml refuses, such as 48,000 nested <div>), the page's
visible text is read by a small parser whose work is linear in the input: open tags
are counted per name, never searched in a stack (the old reader took 66 s for 0.24 MB
of nested <div>).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from indexer.reading.formats import ExtractedText

_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def read_html(text: str) -> ExtractedText:
    fallback = _VisibleText.read(text)
    main = _main_content(text)
    if main is None or not main.body.strip():
        return fallback
    return ExtractedText(
        body=main.body,
        title=main.title or fallback.title,
        author=main.author or fallback.author,
        date=main.date or fallback.date,
    )


def _main_content(text: str) -> ExtractedText | None:
    try:
        import trafilatura

        found = trafilatura.bare_extraction(
            text, with_metadata=True, include_tables=True, include_comments=False, deduplicate=False
        )
    except Exception:  # the extractor is a help, never a reason to lose the page
        return None
    if found is None or isinstance(found, dict):  # a dict only with as_dict=True
        return None
    return ExtractedText(
        body=found.text or "",
        title=found.title or "",
        author=found.author or "",
        date=found.date or "",
    )


class _VisibleText(HTMLParser):
    """<title>, the first <h1>, <meta> fields and the visible text outside page chrome."""

    HIDDEN = frozenset(
        {
            "script",
            "style",
            "noscript",
            "template",
            "head",
            "nav",
            "footer",
            "aside",
            "form",
            "iframe",
            "svg",
        }
    )
    VOID = frozenset(
        {
            "br",
            "img",
            "hr",
            "input",
            "link",
            "meta",
            "area",
            "base",
            "col",
            "embed",
            "source",
            "track",
            "wbr",
        }
    )
    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "td",
            "th",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "article",
            "table",
            "ul",
            "ol",
            "blockquote",
            "pre",
            "dd",
            "dt",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.meta: dict[str, str] = {}
        self.parts: list[str] = []
        self._stack: list[str] = []
        self._open: dict[str, int] = {}  # open elements per tag name
        self._hidden = 0  # open elements whose text is not shown

    @classmethod
    def read(cls, text: str) -> ExtractedText:
        parser = cls()
        parser.feed(text)
        parser.close()
        body = _SPACES.sub(" ", "".join(parser.parts))
        body = _BLANK_LINES.sub("\n", body).strip()
        return ExtractedText(
            body=body,
            title=(parser.title or parser.h1).strip(),
            author=parser.meta.get("author", ""),
            date=parser.meta.get("date", ""),
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = dict(attrs)
            name = (values.get("name") or values.get("property") or "").lower()
            if name and values.get("content"):
                self.meta[name] = values["content"] or ""
            return
        if tag in self.VOID:
            if tag == "br":
                self.parts.append("\n")
            return
        self._stack.append(tag)
        self._open[tag] = self._open.get(tag, 0) + 1
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._open.get(tag):
            # Close everything opened after it (unclosed <p>, <li>): each element is
            # pushed and popped once, so the whole page costs linear time.
            while self._stack:
                closed = self._stack.pop()
                self._open[closed] -= 1
                if closed in self.HIDDEN:
                    self._hidden -= 1
                if closed == tag:
                    break
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._open.get("title"):
            self.title += data
        elif not self._hidden:
            if self._open.get("h1"):
                self.h1 += data
            self.parts.append(data)
