"""Embedding the documents of a write: each document's text (texts.py) is looked up in
the cache by its key and embedded only when new, in batches, with progress."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from indexer.config import Settings
from indexer.reading.documents import Document
from indexer.vectors.cache import EmbeddingCache, text_key
from indexer.vectors.model import DIMENSIONS, embed_passages
from indexer.vectors.store import DocumentVectors
from indexer.vectors.texts import vector_text

# Texts per call of the model: large enough for its batching to pay, small enough for
# progress to move every few seconds.
BATCH_TEXTS = 64


def document_vectors(
    documents: Sequence[Document],
    cache: EmbeddingCache,
    lead_chars: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[DocumentVectors, int]:
    """The vectors of ``documents`` in their order, and how many were embedded now (the
    others came from the cache)."""
    texts = [vector_text(document, lead_chars) for document in documents]
    keys = [text_key(text) for text in texts]
    known = cache.get_many(keys)
    missing = list(dict.fromkeys(key for key in keys if key not in known))
    text_of = dict(zip(keys, texts, strict=True))
    if progress and len(known):
        progress(sum(1 for key in keys if key in known))
    for start in range(0, len(missing), BATCH_TEXTS):
        batch = missing[start : start + BATCH_TEXTS]
        embedded = embed_passages([text_of[key] for key in batch]).astype(np.float16)
        fresh = dict(zip(batch, embedded, strict=True))
        cache.put_many(fresh)
        known.update(fresh)
        if progress:
            progress(sum(1 for key in keys if key in fresh))
    matrix = np.zeros((len(documents), DIMENSIONS), dtype=np.float16)
    for row, key in enumerate(keys):
        matrix[row] = known[key]
    ids = tuple(document.id for document in documents)
    return DocumentVectors(ids, tuple(keys), matrix, lead_chars), len(missing)


def cache_of(settings: Settings) -> EmbeddingCache:
    """The embedding cache the settings name (vector_cache_file), else the user's."""
    if settings.vector_cache_file:
        return EmbeddingCache(Path(settings.vector_cache_file).expanduser())
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return EmbeddingCache(Path(base) / "policysearch" / "vectors.sqlite")


def updated_vectors(
    previous: DocumentVectors | None,
    changed: Sequence[Document],
    deleted: Sequence[str],
    unchanged: Callable[[Sequence[str]], Sequence[Document]],
    held_ids: Sequence[str],
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> tuple[DocumentVectors, int]:
    """The vectors after a reindex: the previous rows of documents kept as they were,
    the ``changed`` (added or updated) documents embedded (or found in the cache).
    Without usable previous rows (none written, another lead length), the documents
    ``held_ids`` names are read back (``unchanged``) and embedded from the cache."""
    cache = cache_of(settings)
    gone = {*deleted, *(document.id for document in changed)}
    if previous is not None and previous.lead_chars == settings.vector_lead_chars:
        kept = previous.without(list(gone))
        fresh, embedded = document_vectors(changed, cache, settings.vector_lead_chars, progress)
        return kept.plus(fresh), embedded
    others = [doc_id for doc_id in held_ids if doc_id not in gone]
    documents = [*unchanged(others), *changed]
    return document_vectors(documents, cache, settings.vector_lead_chars, progress)
