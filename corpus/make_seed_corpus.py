"""Turns the Seoul policy-sharing listing (../shared/seeds/seoulsolution-listing.txt)
into corpus/seoulsolution.jsonl, the sample corpus policysearch ships with.

Run from the project root: python corpus/make_seed_corpus.py [LISTING] [OUTPUT]

A listing entry is a "• title" line, optionally a "등록일 DATE 글쓴이 AUTHOR" line,
then body paragraphs until the next bullet. Entries without body text (logo
captions, listing titles with no article) are left out: there is nothing to search.
The category is chosen from the text by the keyword rules below.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LISTING = ROOT.parent / "shared" / "seeds" / "seoulsolution-listing.txt"
DEFAULT_OUTPUT = ROOT / "corpus" / "seoulsolution.jsonl"
LISTING_URL = "https://www.seoulsolution.kr/en"

_BULLET = re.compile(r"^\s*•\s*(?P<title>.+?)\s*$")
_META = re.compile(r"^\s*등록일\s+(?P<date>\d{4}-\d{2}-\d{2})\s+글쓴이\s+(?P<author>\S+)\s*$")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")

# The first rule with a keyword in the title wins; failing that, in the body.
CATEGORY_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("Sharing City", ("공유도시", "sharing city")),
    ("Water Supply", ("tap water", "arisu", "waterworks", "수돗물", "아리수")),
    ("Smart City", ("metaverse", "digital", "smart city")),
    ("Research", ("research",)),
    ("Urban Planning", ("lighting", "square", "urban planning")),
    ("Urban Regeneration", ("waterside", "stream", "regeneration", "도시재생")),
    ("Safety and Welfare", ("winter", "cold wave", "disaster", "covid", "welfare")),
    ("International Cooperation", ("training institute", "metropolis", "international")),
]


def choose_category(title: str, body: str) -> str:
    for text in (title.lower(), body.lower()):
        for category, keywords in CATEGORY_RULES:
            if any(keyword in text for keyword in keywords):
                return category
    return "General"


def detect_lang(text: str) -> str:
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    if hangul >= latin * 4:
        return "ko"
    if latin >= hangul * 8:
        return "en"
    return "mixed"


def parse_listing(text: str) -> list[dict]:
    entries: list[dict] = []
    current: dict | None = None
    for line in text.splitlines():
        bullet = _BULLET.match(line)
        if bullet:
            current = {"title": bullet.group("title"), "date": "", "author": "", "lines": []}
            entries.append(current)
            continue
        if current is None:
            continue
        meta = _META.match(line)
        if meta and not current["lines"]:
            current["date"], current["author"] = meta.group("date"), meta.group("author")
        else:
            current["lines"].append(line.strip())
    records = []
    for number, entry in enumerate(entries, start=1):
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(entry["lines"])).strip()
        if not body:
            continue
        title = entry["title"].rstrip(".").strip()
        records.append(
            {
                "id": f"seoulsolution-{number:03d}",
                "title": title,
                "date": entry["date"],
                "author": entry["author"],
                "body": body,
                "category": choose_category(title, body),
                "lang": detect_lang(title + body),
                "source": "Seoul Solution policy-sharing listing",
                "url": LISTING_URL,
            }
        )
    return records


def main(argv: list[str]) -> int:
    listing = Path(argv[1]) if len(argv) > 1 else DEFAULT_LISTING
    output = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUTPUT
    records = parse_listing(listing.read_text(encoding="utf-8"))
    with open(output, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"Wrote {len(records)} records to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
