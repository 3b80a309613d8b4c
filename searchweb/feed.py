"""An Atom feed (RFC 4287) of any search, newest first: an analyst follows a topic in a
feed reader instead of searching again every week.

Ids are stable URNs (a UUID from the document id, and from the search for the feed),
so a reader shows a document once however often it polls and whatever address the
server is reached at. Links are relative to ``xml:base``: the address searchweb/links.py
gives (setting public_url, or a trusted Host), when it gives one.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Sequence
from xml.etree import ElementTree as ET

from indexer.model.results import Hit, SearchResult, document_path

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
ENTRIES = 50
# Every id of this server's feeds and entries derives from this namespace.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/policysearch/feeds")


REASON_SCHEME = "urn:policysearch:reason"


def hit_updated(hit: Hit, fallback: datetime) -> datetime:
    """A document's date; a year alone is its first day; undated: ``fallback``."""
    when = hit.fields.get("date") or hit.fields.get("year") or ""
    for pattern in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(when, pattern).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return fallback


def atom_feed(
    result: SearchResult,
    title: str,
    search_pairs: Sequence[tuple[str, str]],
    self_path: str,
    page_path: str,
    base_url: str,
    updated_at: datetime,
) -> bytes:
    """The feed of ``result`` (hits newest first). ``search_pairs`` identify the search
    (the feed's id); ``self_path`` and ``page_path`` are the feed's and the results
    page's addresses."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(_tag("feed"))
    if base_url:
        feed.set("{http://www.w3.org/XML/1998/namespace}base", base_url + "/")
    search_key = "&".join(f"{name}={value}" for name, value in sorted(search_pairs))
    _text(feed, "id", uuid.uuid5(ID_NAMESPACE, "search?" + search_key).urn)
    _text(feed, "title", title)
    # The matches only: a feed says what is new on the search, not what is near it.
    entries = [(hit, hit_updated(hit, updated_at)) for hit in result.hits if not hit.related]
    newest = max((when for _, when in entries), default=updated_at)
    _text(feed, "updated", newest.isoformat())
    author = ET.SubElement(feed, _tag("author"))
    _text(author, "name", "policysearch")
    _text(feed, "generator", "policysearch")
    ET.SubElement(feed, _tag("link"), rel="self", type="application/atom+xml", href=self_path)
    ET.SubElement(feed, _tag("link"), rel="alternate", type="text/html", href=page_path)
    query = dict(search_pairs).get("q", "")
    for hit, when in entries:
        entry = ET.SubElement(feed, _tag("entry"))
        _text(entry, "id", uuid.uuid5(ID_NAMESPACE, "document:" + hit.id).urn)
        _text(entry, "title", hit.title)
        _text(entry, "updated", when.isoformat())
        ET.SubElement(entry, _tag("link"), rel="alternate", href=document_path(hit.id, query))
        department = hit.fields.get("department")
        if department:
            entry_author = ET.SubElement(entry, _tag("author"))
            _text(entry_author, "name", department)
        for category in hit.fields.get("category") or ():
            ET.SubElement(entry, _tag("category"), term=category)
        for reason in hit.reasons:  # why it was found, as the page says it
            ET.SubElement(
                entry, _tag("category"), scheme=REASON_SCHEME, term=reason.code, label=reason.text()
            )
        _text(entry, "summary", hit.snippet.text)
    _made_xml_safe(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


# What XML 1.0 cannot hold even escaped: C0 controls but tab and line ends, lone
# surrogates, U+FFFE and U+FFFF. ElementTree writes them as they are, and the feed is
# then no XML at all (issue 29: ?q=%01, a title holding U+FFFE).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name))
    element.text = text
    return element


def _made_xml_safe(element: ET.Element) -> None:
    """Every text and attribute below ``element`` through the one cleaner (titles,
    summaries, links and categories carry query text and field values)."""
    for node in element.iter():
        for key, value in node.attrib.items():
            node.set(key, xml_safe(value))
        if node.text:
            node.text = xml_safe(node.text)
