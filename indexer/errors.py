"""Errors the core raises; each message says what went wrong and what to do next."""

from __future__ import annotations


class PolicySearchError(Exception):
    """Base class: a problem a user can fix, reported without a traceback."""


class ConfigError(PolicySearchError):
    """A setting or mapping is invalid."""


class CorpusError(PolicySearchError):
    """The corpus path cannot be read at all (a single bad file is a Rejection instead)."""


class IndexMissingError(PolicySearchError):
    """No index has been built in the index directory yet."""


class IndexLockedError(PolicySearchError):
    """Another process is writing the index."""


class QueryError(PolicySearchError):
    """A search request is invalid (bad page, size, date, ...)."""


class TaggerError(PolicySearchError):
    """The Korean tagger could not be started."""


class IndexDamagedError(IndexMissingError):
    """The index directory holds no generation that can be read (damaged files)."""


class AnalyzerChangedError(PolicySearchError):
    """The index was built with another analysis (tagger, user dictionary, schema)."""


class NothingToIndexError(PolicySearchError):
    """A build or reindex read no usable document; the serving index is left as it was."""


class DeletesRefusedError(PolicySearchError):
    """A change would delete more of the index than max_delete_fraction allows."""


class IndexWriteError(PolicySearchError):
    """Writing the index failed (a full disk, permissions); the serving index is unchanged."""


class SearchTimeoutError(PolicySearchError):
    """A search ran past its time budget (setting request_timeout_ms) and was stopped."""
