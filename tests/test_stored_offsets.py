"""Stored character offsets and positions of a term in chosen documents, read block by
block, equal what Whoosh's own matcher gives stepping to each document (the oracle)."""

from __future__ import annotations

import random

from whoosh.matching.wrappers import FilterMatcher

from indexer import SearchRequest, read_corpus, update_index
from indexer.engines.whoosh.blockvalues import read_term_values
from indexer.engines.whoosh.index import SearchIndex

from .conftest import index_of, make_settings, write_jsonl


def whoosh_offsets(
    leaf, fieldname: str, btext: bytes, docnums: list[int], kind: str = "characters"
) -> dict:
    """Whoosh's way: skip_to each document along the term's postings, deleted ones
    included (read_term_values does not look at deletions: pages hold none)."""
    matcher = leaf.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
        matcher.reset()
    found = {}
    for docnum in docnums:
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            found[docnum] = list(matcher.value_as(kind))
    return found


def sample_terms(leaf, fieldname: str, rng: random.Random) -> list[tuple[bytes, list[int]]]:
    """The field's most frequent terms (postings of many blocks), some rare ones (inline
    in the term dictionary), and a mix of documents holding them and not."""
    infos = sorted(
        ((info.doc_frequency(), term) for term, info in leaf.iter_field(fieldname)),
        reverse=True,
    )
    chosen = [term for _, term in infos[:5]] + [term for _, term in rng.sample(infos, 15)]
    count = leaf.doc_count_all()
    return [(term, sorted(rng.sample(range(count), min(count, 40)))) for term in chosen]


def test_offsets_read_by_blocks_equal_whooshs_for_common_and_rare_terms(policy_index):
    rng = random.Random(7)
    reader = policy_index.readers.current().searcher.reader()
    compared = blocks_seen = 0
    for leaf, _ in reader.leaf_readers():
        for fieldname in ("title", "body", "body_bigram"):
            for btext, docnums in sample_terms(leaf, fieldname, rng):
                holding = list(leaf.postings(fieldname, btext).all_ids())[:30]
                docnums = sorted(set(docnums) | set(holding))
                expected = whoosh_offsets(leaf, fieldname, btext, docnums)
                assert read_term_values(leaf, fieldname, btext, docnums, "characters") == expected
                positions = whoosh_offsets(leaf, fieldname, btext, docnums, "positions")
                assert read_term_values(leaf, fieldname, btext, docnums, "positions") == positions
                compared += len(expected)
                blocks_seen += leaf.doc_frequency(fieldname, btext) > 128
    assert compared > 1000 and blocks_seen >= 10


def test_offsets_in_an_index_of_several_segments_with_a_deleted_document(tmp_path):
    body = "청년 월세 지원 사업을 안내합니다. " * 20
    records = [{"id": f"d{n}", "title": f"청년 정책 {n}", "body": body} for n in range(80)]
    index = index_of(tmp_path, records, result_cache_size=0)
    index.close()
    records[5] = {**records[5], "body": "청년 주거 지원"}
    records.append({"id": "new", "title": "청년 월세", "body": body + "월세 월세"})
    write_jsonl(tmp_path / "corpus" / "docs.jsonl", records)
    settings = make_settings(tmp_path, result_cache_size=0)
    update_index(read_corpus(tmp_path / "corpus").documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    try:
        reader = index.readers.current().searcher.reader()
        leaves = list(reader.leaf_readers())
        assert len(leaves) >= 2 and any(leaf.has_deletions() for leaf, _ in leaves)
        btext = reader.schema["body"].to_bytes("월세")
        for leaf, _ in leaves:
            docnums = list(range(leaf.doc_count_all()))
            expected = whoosh_offsets(leaf, "body", btext, docnums)
            assert expected
            assert read_term_values(leaf, "body", btext, docnums, "characters") == expected
        # The page marks the word in documents of either segment (ids made global).
        hits = index.search(SearchRequest(q="월세", size=100)).hits
        assert {"new", "d0", "d79"} <= {hit.id for hit in hits}
        for hit in hits:
            marked = {hit.snippet.text[start:end] for start, end in hit.snippet.spans}
            assert marked == {"월세"}, hit.id
    finally:
        index.close()


def test_blocks_kept_in_the_postings_cache_give_the_same_values_without_reading_again(
    policy_index,
):
    from indexer.engines.whoosh.postings import PostingsCache

    reader = policy_index.readers.current().searcher.reader()
    (leaf, _), *_ = reader.leaf_readers()
    btext = max((info.doc_frequency(), term) for term, info in leaf.iter_field("body"))[1]
    docnums = list(leaf.postings("body", btext).all_ids())[::97][:12]
    cache = PostingsCache(max_bytes=50_000_000)
    loads: list[tuple] = []

    def cached(key, load):
        return cache.get_or_load(key, lambda: loads.append(key) or load())

    expected = whoosh_offsets(leaf, "body", btext, docnums)
    assert read_term_values(leaf, "body", btext, docnums, "characters", cached) == expected
    read_first = len(loads)
    assert read_first >= 3  # the directory and at least two blocks
    assert read_term_values(leaf, "body", btext, docnums, "characters", cached) == expected
    positions = whoosh_offsets(leaf, "body", btext, docnums, "positions")
    assert read_term_values(leaf, "body", btext, docnums, "positions", cached) == positions
    assert len(loads) == read_first  # every block came from the cache
    # A term the segment does not hold: nothing, and the answer is kept too.
    absent = "없는낱말".encode()
    assert read_term_values(leaf, "body", absent, docnums, "characters", cached) == {}
    assert read_term_values(leaf, "body", absent, docnums, "characters", cached) == {}
    assert len(loads) == read_first + 1
