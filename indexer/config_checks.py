"""What each setting may be: checked once, when the settings are loaded (config.py),
so a mistake is an error naming the setting before anything runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.errors import ConfigError

if TYPE_CHECKING:
    from indexer.config import Settings

KNOWN_TAGGERS = ("mecab", "komoran", "okt")
_PUBLIC_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d+)?(/[^?#\s]*)?$")
_HOST_NAME = re.compile(r"^([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])$")
# Counts and budgets: zero or less would turn a feature off by accident.
AT_LEAST_ONE = (
    "page_size",
    "max_page_size",
    "max_page",
    "max_query_chars",
    "facet_size",
    "max_expansions",
    "max_query_words",
    "request_timeout_ms",
    "client_read_timeout_ms",
    "export_max_rows",
    "analytics_retention_days",
    "export_timeout_ms",
    "export_concurrency",
    "document_page_chars",
    "document_page_marks",
    "cluster_candidates",
    "semantic_depth",
    "semantic_related_max",
)
FRACTIONS = (
    "relaxed_min_word_fraction",
    "synonym_weight",
    "translation_weight",
    "semantic_weight",
    "semantic_related_weight",
    "semantic_min_similarity",
    "semantic_similarity_floor",
    "semantic_margin",
)


def host_names(listed: str) -> list[str]:
    """The host names of a comma-separated setting (trusted_hosts), lower-cased."""
    return [host.strip().lower() for host in listed.split(",") if host.strip()]


def validated(settings: Settings) -> Settings:
    """``settings``, or ConfigError saying which setting is wrong and what it may be."""
    if settings.tagger not in KNOWN_TAGGERS:
        raise ConfigError(
            f"Unknown tagger {settings.tagger!r}: choose one of {', '.join(KNOWN_TAGGERS)}."
        )
    for name in AT_LEAST_ONE:
        if getattr(settings, name) < 1:
            raise ConfigError(f"Setting {name!r} must be at least 1.")
    for name in FRACTIONS:
        if not 0 <= getattr(settings, name) <= 1:
            raise ConfigError(f"Setting {name!r} must be between 0 and 1.")
    _check_backend(settings)
    _check_addresses(settings)
    if settings.synonyms_file and not Path(settings.synonyms_file).is_file():
        raise ConfigError(
            f"Setting 'synonyms_file': there is no file {settings.synonyms_file!r}. Give the "
            "path of a synonyms file (lines such as '어르신, 노인' or '병원비 => 의료비')."
        )
    return settings


def _check_backend(settings: Settings) -> None:
    from indexer.backends import BACKENDS  # the table imports these settings

    if settings.backend not in BACKENDS:
        choices = "; ".join(f"{row.name} ({row.description})" for row in BACKENDS.values())
        raise ConfigError(f"Unknown backend {settings.backend!r}: choose {choices}.")
    if settings.backend == "cluster" and not settings.cluster_dir:
        raise ConfigError(
            "Setting 'backend' is cluster but 'cluster_dir' is empty: name the directory "
            "of the cluster's cluster.json (policysearch cluster init DIR writes one)."
        )


def _check_addresses(settings: Settings) -> None:
    if settings.public_url and not _PUBLIC_URL.match(settings.public_url):
        raise ConfigError(
            f"Setting 'public_url' must be an http:// or https:// address such as "
            f"https://search.example.go.kr, got {settings.public_url!r}."
        )
    for host in host_names(settings.trusted_hosts):
        if not _HOST_NAME.match(host):
            raise ConfigError(
                f"Setting 'trusted_hosts' must list host names such as search.example.go.kr "
                f"or 10.0.0.5, separated by commas, got {host!r}."
            )
