"""What the cluster keeps so a search can score as the Whoosh backend scores.

Sphinx 2.2 ranks real-time indexes without field lengths and with one saturation per
field, not per word, so its order is only close to ours. A search therefore asks the
cluster for its best few hundred candidates and scores those itself, with the Whoosh
backend's formula (indexer/evaluation.py). That needs, per document, each field's terms
(a string attribute, ``terms``: the analysed tokens, as written) and, for the whole
cluster, each term's document frequency per field, the number of documents and each
field's total length (the aggregator's terms index of the generation, and the
generation's row in its ``cluster_state``).

A field's terms are written as its tokens separated by spaces, in order; a token that
stands at the position of the one before (the parts of a compound stand where the whole
does) starts with ``SAME_POSITION``. Positions are what the passage evidence reads.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from indexer.engines.sphinx.ids import stable_id
from indexer.engines.sphinx.nodeconfig import GENERATIONS, STATE_INDEX, terms_index
from indexer.engines.sphinx.sphinxql import every_row, rows_by_id

SAME_POSITION = "\x01"


def encode_tokens(tokens: Iterable[tuple[int, str]]) -> str:
    """(position, text) in order as the terms string; positions rise by one or repeat
    (as our analyzers give them)."""
    words: list[str] = []
    last = -1
    for position, text in tokens:
        words.append(SAME_POSITION + text if position == last and words else text)
        last = position
    return " ".join(words)


def decode_positions(encoded: str) -> Iterator[tuple[int, str]]:
    """The (position, text) pairs of a terms string."""
    position = -1
    for word in encoded.split(" "):
        if not word:
            continue
        if word.startswith(SAME_POSITION):
            yield max(position, 0), word[1:]
        else:
            position += 1
            yield position, word


def token_count(encoded: str) -> int:
    """A field's length as Whoosh counts it: every token of its terms string."""
    return encoded.count(" ") + 1 if encoded else 0


def decode_counts(encoded: str) -> Counter[str]:
    """How often each term occurs in a terms string."""
    return Counter(word.lstrip(SAME_POSITION) for word in encoded.split(" ") if word)


def term_id(fieldname: str, term: str) -> int:
    """The id of a term's row in a generation's terms index."""
    return stable_id(f"{fieldname}\x00{term}")


@dataclass
class CollectionStats:
    """The whole cluster's counts that BM25F reads: documents (the idf's N), each field's
    total length (for its average length), and document frequencies per (field, term)."""

    documents: int = 0
    lengths: dict[str, int] = field(default_factory=dict)
    frequencies: Counter[tuple[str, str]] = field(default_factory=Counter)
    written_ns: int = 0  # when the totals were written: a new value after every change

    def add(self, terms: dict[str, str], sign: int = 1) -> None:
        """Counts one document's terms in (``sign`` -1: out, for a deleted document)."""
        self.documents += sign
        for fieldname, encoded in terms.items():
            length = token_count(encoded)
            self.lengths[fieldname] = self.lengths.get(fieldname, 0) + sign * length
            for term in decode_counts(encoded):
                self.frequencies[(fieldname, term)] += sign

    def average_length(self, fieldname: str) -> float:
        return self.lengths.get(fieldname, 0) / (self.documents or 1) or 1.0

    def totals_json(self) -> str:
        totals = {"documents": self.documents, "lengths": self.lengths}
        return json.dumps({**totals, "written_ns": time.time_ns()})

    @classmethod
    def from_totals(cls, text: str) -> CollectionStats:
        data: dict[str, Any] = json.loads(text) if text else {}
        return cls(
            int(data.get("documents", 0)),
            dict(data.get("lengths", {})),
            written_ns=int(data.get("written_ns", 0)),
        )


# -- in the aggregator ------------------------------------------------------------------

WRITE_BATCH = 500


def _state_row(generation: str) -> int:
    return 2 + GENERATIONS.index(generation)  # row 1 names the serving generation


def write_stats(
    connection: Any, generation: str, stats: CollectionStats, replace_all: bool
) -> None:
    """Writes a generation's totals and the frequencies in ``stats`` (``replace_all``:
    the generation's terms index is emptied first, as a full build does)."""
    index = terms_index(generation)
    with connection.cursor() as cursor:
        if replace_all:
            cursor.execute(f"TRUNCATE RTINDEX {index}")
        items = list(stats.frequencies.items())
        for start in range(0, len(items), WRITE_BATCH):
            batch = items[start : start + WRITE_BATCH]
            cursor.execute(
                f"REPLACE INTO {index} (id, note, field, term, df) VALUES "
                + ", ".join(
                    f"({term_id(name, term)}, '', {connection.escape(name)}, "
                    f"{connection.escape(term)}, {max(0, count)})"
                    for (name, term), count in batch
                )
            )
        cursor.execute(
            f"REPLACE INTO {STATE_INDEX} (id, note, generation, stats) VALUES (%s, '', %s, %s)",
            (_state_row(generation), generation, stats.totals_json()),
        )


def read_totals(connection: Any, generation: str) -> CollectionStats:
    """A generation's documents and field lengths (no frequencies)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stats FROM {STATE_INDEX} WHERE id = {_state_row(generation)}")
        rows = cursor.fetchall()
    return CollectionStats.from_totals(rows[0][0] if rows else "")


def read_frequencies(
    connection: Any, generation: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """The document frequencies of (field, term) pairs; 0 for a term no document holds."""
    wanted = {term_id(name, term): (name, term) for name, term in keys}
    found = dict.fromkeys(wanted.values(), 0)
    for row_id, df in rows_by_id(connection, terms_index(generation), "df", list(wanted)):
        found[wanted[int(row_id)]] = int(df)
    return found


def read_field_terms(
    connection: Any, generation: str, fieldnames: Iterable[str]
) -> Iterator[tuple[str, str, int]]:
    """Every (field, term, document frequency) of the fields (the spelling vocabulary)."""
    names = set(fieldnames)
    for rows, _ in every_row(connection, terms_index(generation), "field, term, df"):
        for _, name, term, df in rows:
            if name in names and df:
                yield name, term, int(df)
