"""Errors the core raises; each says what went wrong and what to do next.

Each class carries its HTTP status (the web registers one handler for all of them) and
a code; errors a web user can meet are raised with a code from the message tables
(indexer/messages.py) and its parameters, so they are shown in the user's language.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from indexer.messages import DEFAULT_LANGUAGE, has_message, render


class PolicySearchError(Exception):
    """Base class: a problem a user can fix, reported without a traceback."""

    http_status: ClassVar[int] = 500
    code: str = "error"
    # A web client gets this code's message instead (none: the error's own), when the
    # error's parameters are for the operator only (internal addresses, a driver's words).
    client_code: ClassVar[str | None] = None

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params = params
        # Raised with a text of its own (the CLI's, which may name files and settings);
        # a web user gets the code's message instead.
        self.text_given = bool(message)
        super().__init__(message or render(self.code, DEFAULT_LANGUAGE, params))

    def message(self, language: str = DEFAULT_LANGUAGE, names: Mapping[str, str] = {}) -> str:
        """The message in ``language`` when its code has one, else the English text;
        ``names``: what the surface the user typed in calls a field (``date_from`` is the
        API's ``from`` and the CLI's ``--from``)."""
        if has_message(self.code):
            return render(self.code, language, self.named_params(names))
        return str(self)

    def named_params(self, names: Mapping[str, str]) -> dict[str, Any]:
        """The parameters, with the field a message names as the surface calls it."""
        name = self.params.get("name")
        if isinstance(name, str) and name in names:
            return {**self.params, "name": names[name]}
        return dict(self.params)


class ConfigError(PolicySearchError):
    """A setting or mapping is invalid."""

    code = "config"


class CorpusError(PolicySearchError):
    """The corpus path cannot be read at all (a single bad file is a Rejection instead)."""

    code = "corpus"


class IndexMissingError(PolicySearchError):
    """No index has been built in the index directory yet."""

    http_status = 503
    code = "no_index"


class IndexLockedError(PolicySearchError):
    """Another process is writing the index."""

    http_status = 409
    code = "index_locked"


class QueryError(PolicySearchError):
    """A search request is invalid (bad page, size, date, ...)."""

    http_status = 400
    code = "bad_request"


class TaggerError(PolicySearchError):
    """The Korean tagger could not be started."""

    code = "tagger"


class IndexDamagedError(IndexMissingError):
    """The index directory holds no generation that can be read (damaged files)."""


class AnalyzerChangedError(PolicySearchError):
    """The index was built with another analysis (tagger, user dictionary, schema)."""

    code = "analyzer_changed"


class ChangeRefusedError(PolicySearchError):
    """A build or reindex that was planned and refused; nothing was written. ``plan``: the
    change refused (writing.changes.ChangePlan), so a dry run still lists it."""

    def __init__(self, message: str, plan: Any = None) -> None:
        super().__init__(message)
        self.plan = plan


class NothingToIndexError(ChangeRefusedError):
    """A build or reindex read no usable document; the serving index is left as it was."""

    code = "nothing_to_index"


class DeletesRefusedError(ChangeRefusedError):
    """A change would delete more of the index than max_delete_fraction allows."""

    code = "deletes_refused"


class IndexWriteError(PolicySearchError):
    """Writing the index failed (a full disk, permissions); the serving index is unchanged."""

    code = "index_write"


class SearchTimeoutError(PolicySearchError):
    """A search ran past its time budget (setting request_timeout_ms) and was stopped."""

    http_status = 503
    code = "search_timeout"
    retry_after_s: ClassVar[int] = 5  # the server is busy or the query too broad either way
