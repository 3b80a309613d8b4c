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
