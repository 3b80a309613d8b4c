"""Reading an index besides searching it: suggestions, similar documents, every stored
document, and statistics. Each takes the calling thread's reader view."""

from __future__ import annotations

from whoosh import query as Q

from indexer.analysis.taggers import tagger_version
from indexer.engines.whoosh.facet_tables import count_facets
from indexer.engines.whoosh.generations import directory_size_bytes, read_meta
from indexer.engines.whoosh.hits import marked_document
from indexer.engines.whoosh.request import WhooshRequest
from indexer.engines.whoosh.searchers import ReaderView
from indexer.model.results import IndexStats, StoredDocument, Suggestion
from indexer.model.snippets import Snippet
from indexer.query.textquery import text_query
from indexer.search.marks import unmarked_terms
from indexer.search.ranking import top_documents
from indexer.search.suggest import Typed, by_initials, with_titles

SIMILAR_TEXT_CHARS = 5000


def suggest(view: ReaderView, text: str, limit: int) -> list[Suggestion]:
    """Completions of the last word typed: indexed terms first, then matching titles.

    Korean terms are stored as syllables, so a prefix of whole syllables (서, 서울)
    completes to the terms that start with it (서울시, 서울광장); a prefix of initial
    consonants (ㅇㄹㅅ) to the terms with those initials, most frequent first. Both are
    looked up in the vocabulary (sorted in memory, as the cluster does), never by
    expanding the prefix over the postings: that took 1.9 s for 지 at 47,450 documents.
    """
    typed = Typed.of(text)
    if typed is None or limit < 1:
        return []
    vocabulary = view.shared.vocabulary(view.reader)
    initials = by_initials(typed, vocabulary, limit)
    if initials is not None:
        return initials
    prefix = typed.prefix
    completions = [
        typed.completed(term, "term", count)
        for term, count in vocabulary.completions(prefix, limit)
    ]
    titles = _titles_holding(view, prefix, limit * 2)
    return with_titles(completions, titles, typed, limit * 2)[:limit]


def _titles_holding(view: ReaderView, prefix: str, limit: int) -> list[tuple[str, str]]:
    """(title, id) of the best ``limit`` documents whose title holds the word or (Hangul)
    its first two syllables, as on the cluster; an English word is stemmed in the index,
    so its titles are found by its start (English title terms are few). Scored by the
    engine's own evaluator: Whoosh's scorer took seconds for a word as common as 및 at
    47,450 documents (bench/suggest.py)."""
    searcher = view.searcher
    if prefix.isascii():
        hits = searcher.search(Q.Prefix("title", prefix), limit=limit)
        return [(hit.get("title", ""), hit.get("id", "")) for hit in hits]
    words: list[Q.Query] = [Q.Term("title", prefix)]
    if len(prefix) >= 2:
        words.append(Q.Term("title_bigram", prefix[:2]))
    matches = view.evaluator().evaluate(Q.Or(words))
    best = matches.ids[top_documents(matches.ids, matches.scores, limit)]
    stored = (searcher.stored_fields(int(docnum)) for docnum in best)
    return [(fields.get("title", ""), fields.get("id", "")) for fields in stored]


def similar(view: ReaderView, doc_id: str, limit: int) -> list[StoredDocument]:
    """Documents sharing the most distinctive terms of this one ("more like this")."""
    searcher = view.searcher
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    text = (stored.get("title", "") + "\n" + stored.get("body", ""))[:SIMILAR_TEXT_CHARS]
    results = searcher.more_like(docnum, "body", text=text, top=limit, numterms=12)
    return [StoredDocument.from_stored(hit.fields()) for hit in results]


def all_documents(view: ReaderView) -> list[StoredDocument]:
    """Every stored document (for checks and exports; loads all stored text)."""
    return [StoredDocument.from_stored(f) for f in view.reader.all_stored_fields()]


def index_stats(view: ReaderView, index_dir: str, facet_size: int) -> IndexStats:
    meta = read_meta(view.generation)
    shared = view.shared
    facets = count_facets(shared.facet_tables, shared.arrays.live, {}, {}, facet_size)
    tagger = meta.get("tagger", "")
    return IndexStats(
        index_dir=index_dir,
        generation=view.generation.name,
        documents=view.searcher.doc_count(),
        size_bytes=directory_size_bytes(view.generation),
        built_at=meta.get("built_at", ""),
        updated_at=meta.get("updated_at", ""),
        corpus=meta.get("corpus", ""),
        tagger=tagger,
        analyzer=tagger_version(tagger) if tagger else "",
        schema_version=meta.get("schema_version"),
        facets=facets,
    )


def highlighted_document(
    engine: WhooshRequest, doc_id: str, q: str
) -> tuple[Snippet, Snippet] | None:
    """The title and body of a whole document with the terms of ``q`` marked (those of
    the any-word query when the document lacks some words); None when not held."""
    view, settings = engine.view, engine.settings
    docnum = view.searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    text = q[: settings.max_query_chars]
    query = text_query(engine.builder, text, False, view.reader, settings, engine.deadline)
    queries = [query.query, query.relaxed]
    unmarked = frozenset().union(*(unmarked_terms(q, text, settings) for q in queries))
    return marked_document(engine.evaluator, docnum, queries, unmarked)
