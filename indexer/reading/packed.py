"""The documents a build has read, held packed: each one pickled and compressed, made a
``Document`` again when it is asked for.

A build reads every document before it writes (the change plan, the refusals and the
vectors need them all) and held them as objects: at 237,250 documents (bench/perf.py x50)
that was about 1 GB of the building process, most of the 2.1 GB the build peaked at
(issue 27). Packed, the x10 corpus's 47,450 documents take about 63 MB instead of about
200 MB; packing costs ~9 us a document and unpacking ~12 us, once per pass over them.
Only the bytes this process made are unpickled."""

from __future__ import annotations

import pickle
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import overload

import lz4.block

from indexer.reading.documents import FIELD_NAMES, Document

DocumentKey = tuple[str, str]  # a document's id and content hash

# LZ4 rather than zlib: on the x10 corpus zlib at level 1 packed to 1,051 bytes a document
# in 48 us and unpacked in 45 us; LZ4 to 1,323 bytes in 9 and 12 us (the pickle alone:
# 1,930 bytes). Reading every document again made a reindex of 1% mostly packing.


def _packed(document: Document) -> bytes:
    values = tuple(getattr(document, name) for name in FIELD_NAMES)
    return lz4.block.compress(pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL))


def packed(document: Document) -> tuple[bytes, DocumentKey]:
    """The document packed, and its id and content hash (``PackedDocuments.append_packed``)."""
    return _packed(document), (document.id, document.content_hash())


def _unpacked(blob: bytes) -> Document:
    return Document(*pickle.loads(lz4.block.decompress(blob)))


class PackedDocuments(Sequence[Document]):
    """A list of documents, in the order appended, held packed, with each one's id and
    content hash at hand (``keys``): a reindex plans from them and unpacks only the
    documents it writes. A ``Document`` taken from it is a copy: changing one does not
    change the list."""

    def __init__(
        self,
        documents: Iterable[Document] = (),
        *,
        _blobs: list[bytes] | None = None,
        _keys: list[DocumentKey] | None = None,
    ):
        self._blobs: list[bytes] = _blobs if _blobs is not None else []
        self._keys: list[DocumentKey] = _keys if _keys is not None else []
        for document in documents:
            self.append(document)

    def append(self, document: Document) -> None:
        self.append_packed(*packed(document))

    def append_packed(self, blob: bytes, key: DocumentKey) -> None:
        """A document packed by ``packed`` (in this process or another)."""
        self._blobs.append(blob)
        self._keys.append(key)

    def keys(self) -> list[DocumentKey]:
        """(id, content hash) of each document, in order, none unpacked."""
        return self._keys

    def __len__(self) -> int:
        return len(self._blobs)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> PackedDocuments: ...

    def __getitem__(self, index: int | slice) -> Document | PackedDocuments:
        if isinstance(index, slice):  # still packed: a chunk handed to a worker stays small
            return PackedDocuments(_blobs=self._blobs[index], _keys=self._keys[index])
        return _unpacked(self._blobs[index])

    def __iter__(self) -> Iterator[Document]:
        for blob in self._blobs:
            yield _unpacked(blob)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedDocuments):
            return self._blobs == other._blobs or list(self) == list(other)
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list is not hashable either

    def __repr__(self) -> str:
        return f"PackedDocuments({len(self)} documents)"


def joined(documents: Sequence[Document], more: Sequence[Document]) -> Sequence[Document]:
    """``documents`` followed by ``more``, without unpacking packed ones."""
    if not more:
        return documents
    if isinstance(documents, PackedDocuments):
        return PackedDocuments(more, _blobs=list(documents._blobs), _keys=list(documents._keys))
    return [*documents, *more]


def document_keys(documents: Sequence[Document]) -> Iterable[DocumentKey]:
    """(id, content hash) of each document, in order: packed ones are not unpacked."""
    if isinstance(documents, PackedDocuments):
        return documents.keys()
    return ((document.id, document.content_hash()) for document in documents)


def with_ids(documents: Sequence[Document], ids: Collection[str]) -> Iterator[Document]:
    """The documents whose id is in ``ids``, in order: of packed ones, only those are
    unpacked (a reindex of 1% at x10 unpacked all 47,450 to write 475)."""
    if not isinstance(documents, PackedDocuments):
        yield from (document for document in documents if document.id in ids)
        return
    for position, (doc_id, _) in enumerate(documents.keys()):
        if doc_id in ids:
            yield documents[position]
