"""The build's pool of postings, grouped by term (subclasses Whoosh's PostingPool and
uses its private attributes; the rest of them are in private.py).

Whoosh keeps every posting (field, term, docnum, weight, value) as a tuple in one list,
sorts the list each time it holds ``limitmb`` (a run, written to disk) and merges the
runs posting by posting. In an x10 build (py-spy over all its processes) sorting took
21 s and merging 25 s of the 266 s sampled: every comparison is a tuple's. A writer
adds a document's postings after the previous document's, so here each term's postings
are kept in a list of their own, already in document order: a run sorts only the
terms, and the merge compares a term's postings from one run as one group. Where
document numbers do go back (Whoosh adds a merged segment's postings term by term), the
pool sorts as Whoosh does. Either way the postings come out in Whoosh's order
(tests/test_posting_runs.py).

On disk a run is pickled chunks of up to RUN_CHUNK_POSTINGS postings, as groups
``((field, term), [(docnum, weight, value), ...])``.
"""

from __future__ import annotations

import heapq
import pickle
from itertools import groupby
from operator import itemgetter
from typing import Any, Iterable, Iterator

from whoosh.writing import PostingPool

RUN_CHUNK_POSTINGS = 4096  # postings pickled in one call into a sorted run on disk
# PostingPool.add's estimate of a posting's bytes before its strings' lengths (a tuple of
# five, a field name, a term, a docnum, a weight, a value).
_POSTING_BASE_BYTES = 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21

TermKey = tuple[str, bytes]
Group = tuple[TermKey, list[tuple[int, float, bytes]]]


class GroupedPostingPool(PostingPool):
    """Whoosh's posting pool with each term's postings in a list of their own (see the
    module's docstring); ``items`` gives what Whoosh's gives, in the same order."""

    current: dict[str, dict[bytes, list[tuple[int, float, bytes]]]]  # field -> term -> postings
    runs: list[str]  # paths of the runs on disk

    def __init__(self, tempstore: Any, segment: Any, limitmb: float = 128, **kwargs: Any):
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self.current = {}
        self._last_docnum = -1
        self._in_document_order = True  # no posting's docnum below an earlier one's

    def add(self, item: tuple) -> None:
        fieldname, term, docnum, weight, value = item
        self.fieldnames.add(fieldname)
        # Whoosh's estimate, so runs end at the same postings as Whoosh's.
        self.currentsize += _POSTING_BASE_BYTES + len(fieldname) + 2 * len(term) + len(value or b"")
        if self.currentsize > self.limit:
            self.save()
        if docnum < self._last_docnum:
            self._in_document_order = False
        self._last_docnum = docnum
        terms = self.current.get(fieldname)
        if terms is None:
            terms = self.current[fieldname] = {}
        postings = terms.get(term)
        if postings is None:
            terms[term] = [(docnum, weight, value)]
        else:
            postings.append((docnum, weight, value))

    def save(self) -> None:
        if self.current:
            path, f = self._new_run()
            self._write_groups(f, self._sorted_groups())
            self._add_run(path)
            self.current = {}
        self.currentsize = 0

    def items(self, maxfiles: int = 128) -> Iterator[tuple]:
        if not self.runs:
            return _postings(self._sorted_groups())
        self.save()
        if maxfiles < len(self.runs):
            self.reduce_to(maxfiles, maxfiles)
        runs, self.runs = self.runs, []
        return self._merge_runs(runs)

    def _sorted_groups(self) -> Iterator[Group]:
        for fieldname in sorted(self.current):
            terms = self.current[fieldname]
            for term in sorted(terms):
                postings = terms[term]
                if not self._in_document_order:
                    postings.sort()
                yield (fieldname, term), postings

    def _merge_runs(self, paths: list[str]) -> Iterator[tuple]:
        if not self._in_document_order:
            # Runs may interleave in docnums: merge posting by posting, as Whoosh does.
            return heapq.merge(*(self._read_run(path) for path in paths))
        streams = [self._read_groups(path) for path in paths]
        return _postings(_merged_groups(heapq.merge(*streams, key=_group_order)))

    def _write_run(self, f: Any, items: Iterable[tuple]) -> None:
        # Whoosh's reduce_to writes merged postings through here.
        self._write_groups(f, _groups(items))

    def _write_groups(self, f: Any, groups: Iterable[Group]) -> None:
        with f:
            chunk: list[Group] = []
            size = 0
            for group in groups:
                chunk.append(group)
                size += len(group[1])
                if size >= RUN_CHUNK_POSTINGS:
                    pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                    chunk, size = [], 0
            if chunk:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)

    def _read_groups(self, path: str) -> Iterator[Group]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)

    def _read_run(self, path: str) -> Iterator[tuple]:
        # Whoosh's multiprocessing writer reads a worker's run as postings.
        return _postings(self._read_groups(path))


def _group_order(group: Group) -> tuple[TermKey, int]:
    return group[0], group[1][0][0]


def _merged_groups(groups: Iterable[Group]) -> Iterator[Group]:
    """One group a term of groups ordered by term and first docnum. A run holds the
    documents added between two saves, so a term's groups from runs follow one another
    and are joined as they are; runs Whoosh's reduce_to merged need not be one span of
    documents (it merges runs from the end of its list and puts the result first), and
    a term whose groups overlap is sorted."""
    for key, same_term in groupby(groups, key=itemgetter(0)):
        first, *others = (postings for _, postings in same_term)
        if not others:
            yield key, first
            continue
        joined = list(first)
        for postings in others:
            overlap = postings[0][0] < joined[-1][0]
            joined.extend(postings)
            if overlap:
                joined.sort()
        yield key, joined


def _postings(groups: Iterable[Group]) -> Iterator[tuple]:
    for (fieldname, term), postings in groups:
        for docnum, weight, value in postings:
            yield fieldname, term, docnum, weight, value


def _groups(items: Iterable[tuple]) -> Iterator[Group]:
    """Sorted postings as groups of consecutive postings of one term."""
    key: TermKey | None = None
    postings: list[tuple[int, float, bytes]] = []
    for fieldname, term, docnum, weight, value in items:
        if (fieldname, term) != key:
            if key is not None:
                yield key, postings
            key, postings = (fieldname, term), []
        postings.append((docnum, weight, value))
    if key is not None:
        yield key, postings
