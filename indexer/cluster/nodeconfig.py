"""Each node's searchd configuration, written from the field registry.

A shard node serves its share of the documents as two local indexes behind one
distributed name, the scheme Sphinx deployments call main + delta:

- ``docs_main``, a disk index that a full build writes beside the serving one and
  searchd then swaps in (``indexer --rotate``), so a search never sees half a build;
- ``docs_delta``, a real-time index that ``reindex`` writes new and changed documents
  to; a changed or deleted document's copy in the main index is hidden by setting its
  ``live`` attribute to 0.

The aggregator has one distributed index, ``docs``, whose agents are the shards
(``|`` between a shard's node and its mirrors). Text arrives analysed by our own
analyzer (morphemes, and Hangul bigrams for the *_bigram fields), joined by spaces, so
searchd only splits on spaces: its charset table holds Hangul (U+AC00..U+D7A3, the
compatibility jamo U+3131..U+318E and the jamo U+1100..U+11FF), digits and Latin letters.

Blocks are written one setting per line: searchd does not parse a block on one line.
Each node has its own pid file, data directory and binlog directory (a shared binlog
directory stops the second node).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..fields import FIELDS
from .layout import ClusterLayout, Node

MAIN_INDEX = "docs_main"
DELTA_INDEX = "docs_delta"
DISTRIBUTED_INDEX = "docs"
CHARSET_TABLE = (
    "0..9, A..Z->a..z, _, a..z, U+AC00..U+D7A3, U+3131..U+318E, U+1100..U+11FF, U+00C0..U+00FF"
)
AGENT_CONNECT_TIMEOUT_MS = 300
AGENT_QUERY_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class ClusterSchema:
    """Full-text fields and attributes, in the order a TSV row and an INSERT give them."""

    text_fields: tuple[str, ...]
    string_attributes: tuple[str, ...]
    multi_attributes: tuple[str, ...]  # 64-bit ids of values (several per document)
    number_attributes: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            *self.text_fields,
            *self.string_attributes,
            *self.multi_attributes,
            *self.number_attributes,
        )


def cluster_schema() -> ClusterSchema:
    """From the registry: each text field and its bigram twin; keywords as strings;
    several values as 64-bit ids; years and days (yyyymmdd) as numbers; the whole stored
    document as JSON in ``stored`` (searchd keeps no text it indexed); ``live``."""
    text = tuple(name for f in FIELDS if f.kind == "text" for name in (f.name, f"{f.name}_bigram"))
    strings = ("doc_id", *(f.name for f in FIELDS if f.kind == "keyword"), "stored")
    multi = tuple(f.name for f in FIELDS if f.kind == "keywords")
    numbers = ("year", "day", "live")
    return ClusterSchema(text, strings, multi, numbers)


def _block(kind: str, name: str, settings: Sequence[tuple[str, object]]) -> str:
    lines = [f"{kind} {name}".rstrip(), "{"]
    lines += [f"    {key} = {value}" for key, value in settings]
    return "\n".join([*lines, "}", ""])


def _searchd(node: Node, node_dir: Path) -> str:
    return _block(
        "searchd",
        "",
        [
            ("listen", node.api_address),
            ("listen", f"{node.sql_address}:mysql41"),
            ("log", node_dir / "searchd.log"),
            ("query_log", node_dir / "query.log"),
            ("pid_file", node_dir / "searchd.pid"),
            ("binlog_path", node_dir / "binlog"),
            ("workers", "threads"),
            ("seamless_rotate", 1),
            ("preopen_indexes", 1),
            ("unlink_old", 1),
        ],
    )


def shard_config(node: Node, node_dir: Path, schema: ClusterSchema) -> str:
    """A shard node: the main index built from ``node_dir/build/docs.tsv``, the delta
    index, and ``docs`` over both."""
    data = node_dir / "data"
    common = [
        ("charset_table", CHARSET_TABLE),
        ("index_field_lengths", 1),
        ("global_idf", node_dir / "global.idf"),
    ]
    source = [
        ("type", "tsvpipe"),
        ("tsvpipe_command", f"cat {node_dir / 'build' / 'docs.tsv'}"),
        *(("tsvpipe_field", name) for name in schema.text_fields),
        *(("tsvpipe_attr_string", name) for name in schema.string_attributes),
        *(("tsvpipe_attr_multi_64", name) for name in schema.multi_attributes),
        *(("tsvpipe_attr_uint", name) for name in schema.number_attributes),
    ]
    main = [("source", "docs_source"), ("path", data / MAIN_INDEX), *common]
    delta = [
        ("type", "rt"),
        ("path", data / DELTA_INDEX),
        *(("rt_field", name) for name in schema.text_fields),
        *(("rt_attr_string", name) for name in schema.string_attributes),
        *(("rt_attr_multi_64", name) for name in schema.multi_attributes),
        *(("rt_attr_uint", name) for name in schema.number_attributes),
        *common,
    ]
    both = [("type", "distributed"), ("local", MAIN_INDEX), ("local", DELTA_INDEX)]
    return "\n".join(
        [
            _block("source", "docs_source", source),
            _block("index", MAIN_INDEX, main),
            _block("index", DELTA_INDEX, delta),
            _block("index", DISTRIBUTED_INDEX, both),
            _searchd(node, node_dir),
        ]
    )


def aggregator_config(layout: ClusterLayout, node_dir: Path) -> str:
    """The aggregator: ``docs`` over every shard (a shard's mirrors after ``|``)."""
    agents = [
        ("agent", "|".join(f"{n.api_address}:{MAIN_INDEX},{DELTA_INDEX}" for n in shard.nodes))
        for shard in layout.shards
    ]
    settings = [
        ("type", "distributed"),
        *agents,
        ("agent_connect_timeout", AGENT_CONNECT_TIMEOUT_MS),
        ("agent_query_timeout", AGENT_QUERY_TIMEOUT_MS),
        ("ha_strategy", "nodeads"),
    ]
    return "\n".join(
        [_block("index", DISTRIBUTED_INDEX, settings), _searchd(layout.aggregator, node_dir)]
    )


def node_configs(layout: ClusterLayout, root: Path) -> dict[str, str]:
    """Node name -> its configuration, with its files under ``root/<node name>``."""
    schema = cluster_schema()
    configs = {layout.aggregator.name: aggregator_config(layout, root / layout.aggregator.name)}
    for shard in layout.shards:
        for node in shard.nodes:
            configs[node.name] = shard_config(node, root / node.name, schema)
    return configs
