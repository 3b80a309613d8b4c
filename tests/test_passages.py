"""Passage evidence: among the best results of a question-like query, the document where
its words stand together ranks above one holding them scattered; short queries and the
setting at 0 are left to BM25."""

from __future__ import annotations

from indexer import SearchIndex, SearchRequest, build_index, read_corpus
from indexer.search.passages import WINDOW_POSITIONS, _best_window

from .conftest import make_settings, write_jsonl

FILLER = " ".join(["도시 공원 정비 계획 수립 검토"] * 6)
DOCUMENTS = [
    # Each word twice, far apart: BM25 prefers it.
    {
        "id": "scattered",
        "title": "연혁",
        "body": f"그는 서울 출신이다. {FILLER} 대학교 시절 법학을 배웠다. {FILLER} "
        f"1961년 행사가 열렸다. {FILLER} 입학 정원이 늘었다. {FILLER} 서울 {FILLER} "
        f"대학교 {FILLER} 1961년 {FILLER} 입학",
    },
    # Each word once, in one sentence.
    {
        "id": "together",
        "title": "연혁",
        "body": f"1961년 서울 대학교 입학. {FILLER} {FILLER} {FILLER} {FILLER} {FILLER}",
    },
]


def test_the_best_window_adds_the_weights_of_the_distinct_words_in_it():
    weights = {"a": 1.0, "b": 2.0, "c": 4.0}
    assert _best_window([(0, "a"), (1, "b"), (2, "b")], weights) == 3.0
    far = WINDOW_POSITIONS
    assert _best_window([(0, "a"), (far, "b"), (far + 1, "c")], weights) == 6.0
    assert _best_window([], weights) == 0.0


def open_index(tmp_path, **overrides) -> SearchIndex:
    root = tmp_path / "corpus"
    if not root.exists():
        write_jsonl(root / "docs.jsonl", DOCUMENTS)
    settings = make_settings(tmp_path, index_dir=str(tmp_path / "index"), **overrides)
    if not (tmp_path / "index").exists():
        build_index(read_corpus(root).documents, settings.index_dir, settings)
    return SearchIndex(settings.index_dir, settings)


def ranked(index, q) -> list[str]:
    return [hit.id for hit in index.search(SearchRequest(q=q)).hits]


def test_the_words_together_rank_first_for_a_question(tmp_path):
    question = "1961년 서울 대학교 입학"
    with open_index(tmp_path, passage_weight=0.0) as plain:
        assert ranked(plain, question) == ["scattered", "together"]
    with open_index(tmp_path) as index:
        assert ranked(index, question) == ["together", "scattered"]
        # Two words: left to BM25.
        two_words = index.search(SearchRequest(q="서울 대학교")).hits
    with open_index(tmp_path, passage_weight=0.0) as plain:
        assert [(h.id, h.score) for h in two_words] == [
            (h.id, h.score) for h in plain.search(SearchRequest(q="서울 대학교")).hits
        ]


# Paragraphs of one article: every one names its subject (이순신); the question's other
# words tell them apart.
ARTICLE = [
    {"id": f"para-{n}", "title": "이순신", "body": body}
    for n, body in enumerate(
        [
            "이순신 장군은 한산도 대첩에서 학익진 전법으로 승리하였다. 이순신 이순신",
            "이순신 장군은 노량 해전에서 전사하였다. 이순신은 조선의 장군이다.",
            "이순신 장군의 난중일기는 국보이다. 이순신 장군 일기",
            "이순신 장군은 명량 해전에서 열두 척으로 싸웠다.",
        ]
    )
] + [{"id": "other", "title": "거북선", "body": "거북선은 조선 수군의 배이다. 한산도 학익진"}]


def evidence(tmp_path, documents, morphemes, weight):
    from indexer.engines.whoosh.offsets import body_passage_evidence

    root = tmp_path / "article"
    if not root.exists():
        write_jsonl(root / "docs.jsonl", documents)
        settings = make_settings(tmp_path, index_dir=str(tmp_path / "article-index"))
        build_index(read_corpus(root).documents, settings.index_dir, settings)
    settings = make_settings(tmp_path, index_dir=str(tmp_path / "article-index"))
    with SearchIndex(settings.index_dir, settings) as index:
        searcher = index.readers.current().searcher
        docnums = [searcher.document_number(id=d["id"]) for d in documents]
        return dict(
            zip(
                [d["id"] for d in documents],
                body_passage_evidence(searcher, docnums, morphemes, weight),
                strict=True,
            )
        )


def test_among_one_articles_paragraphs_the_words_they_share_count_for_nothing_more(tmp_path):
    morphemes = ["이순신", "한산도", "학익진", "전법"]
    plain = evidence(tmp_path, ARTICLE, morphemes, 0.0)
    weighted = evidence(tmp_path, ARTICLE, morphemes, 3.0)
    # The subject, held by four of five, gains little; the distinguishing words gain more.
    gain = {doc_id: weighted[doc_id] - plain[doc_id] for doc_id in plain}
    assert gain["para-0"] > 3 * gain["para-1"] > 0
    assert gain["para-0"] == max(gain.values())


def test_documents_with_different_titles_are_weighed_as_before(tmp_path):
    documents = [dict(d, title=f"{d['title']} {n}") for n, d in enumerate(ARTICLE)]
    morphemes = ["이순신", "한산도", "학익진", "전법"]
    assert evidence(tmp_path, documents, morphemes, 3.0) == evidence(
        tmp_path, documents, morphemes, 0.0
    )
