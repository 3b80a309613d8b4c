"""Snippets are text plus spans: HTML escapes the text and marks only the spans."""

from indexer.model.snippets import Snippet, join_snippets


def test_html_escapes_every_part_and_marks_only_the_spans():
    snippet = Snippet("<b>청년</b> & 월세", ((3, 5), (12, 14)))
    assert snippet.to_html() == "&lt;b&gt;<mark>청년</mark>&lt;/b&gt; &amp; <mark>월세</mark>"
    assert snippet.marked("[", "]") == "<b>[청년]</b> & [월세]"
    assert snippet.parts() == [("<b>", False), ("청년", True), ("</b> & ", False), ("월세", True)]


def test_joined_snippets_keep_their_spans_on_the_same_characters():
    joined = join_snippets(
        ["… ", Snippet("서울 청년", ((3, 5),)), " … ", Snippet("월세", ((0, 2),))]
    )
    assert [joined.text[start:end] for start, end in joined.spans] == ["청년", "월세"]


def test_a_hit_gives_spans_that_point_at_the_query_words(small_index):
    from indexer import SearchRequest

    result = small_index.search(SearchRequest(q="아리수"))
    assert result.hits
    for hit in result.hits:
        marked = [hit.title[s:e] for s, e in hit.marked_title.spans]
        marked += [hit.snippet.text[s:e] for s, e in hit.snippet.spans]
        assert marked and all("아리수" in text for text in marked)
        data = hit.to_dict()
        assert data["doc_url"] == f"/doc/{hit.id}"
        assert data["title_spans"] == [list(span) for span in hit.marked_title.spans]


def test_fragments_that_score_alike_are_chosen_by_position_on_every_request(tmp_path):
    """Six equal matches of the word, far apart: the snippet shows the first two, and
    every request shows the same (Whoosh broke such ties by memory address)."""
    from indexer import SearchRequest

    from .conftest import index_of

    filler = "서울시 도로 정비 계획에 따라 여러 구간을 나누어 공사합니다. " * 6
    body = " ".join(f"{filler} 표지{n} 아리수 공급" for n in range(6))
    records = [{"id": "water", "title": "상수도 사업", "body": body}]
    index = index_of(tmp_path, records, result_cache_size=0)
    snippets = {index.search(SearchRequest(q="아리수")).hits[0].snippet.text for _ in range(30)}
    assert len(snippets) == 1
    (snippet,) = snippets
    assert "표지0" in snippet and "표지1" in snippet and "표지5" not in snippet


def test_a_long_body_matched_only_by_its_bigrams_is_marked_in_snippet_and_page(tmp_path):
    """mecab-ko splits 재생활성화 inside 도시재생활성화지역, so only the bigram field
    matches it; in a body too long to analyse again its marks come from the stored
    offsets of the bigram field, on the result page and on the document page alike."""
    from indexer import SearchRequest
    from indexer.engines.whoosh.hits import RETOKENIZE_MAX_CHARS

    from .conftest import index_of

    filler = "서울시 도로 정비 계획에 따라 여러 구간을 나누어 공사합니다. " * 8
    body = f"{filler}도시재생활성화지역 지정을 검토합니다. {filler}"
    assert len(body) > RETOKENIZE_MAX_CHARS
    records = [
        {"id": "regen", "title": "주거환경 개선", "body": body},
        {"id": "roads", "title": "도로 정비", "body": filler},
    ]
    index = index_of(tmp_path, records, result_cache_size=0)
    hits = index.search(SearchRequest(q="재생활성화")).hits
    assert [hit.id for hit in hits] == ["regen"]
    marked = [hits[0].snippet.text[start:end] for start, end in hits[0].snippet.spans]
    assert marked == ["재생활성화"]
    assert hits[0].marked_title.spans == ()
    title, page_body = index.highlighted_document("regen", "재생활성화")
    assert [page_body.text[start:end] for start, end in page_body.spans] == ["재생활성화"]
    assert page_body.text == body.strip() and title.spans == ()
