"""Each node's searchd configuration, written from the field registry.

A shard node holds its share of the documents twice over, in two real-time indexes,
``docs_a`` and ``docs_b``: one serves while a full build fills the other, and the build
ends by pointing the cluster at the new one (the aggregator's ``cluster_state`` index
names the serving generation), so a search never sees half a build. ``reindex`` writes
to the serving one. Real-time indexes are written over SphinxQL, so a build reaches
shard nodes on other hosts the same way as local ones.

The aggregator has a distributed index per generation, whose agents are the shards
(``|`` between a shard's node and its mirrors). Text arrives analysed by our own
analyzer (morphemes, and Hangul bigrams for the *_bigram fields), joined by spaces, so
searchd only splits on spaces: its charset table holds Hangul (U+AC00..U+D7A3, the
compatibility jamo U+3131..U+318E and the jamo U+1100..U+11FF), digits and Latin letters,
and any other character of a term is written in those (querytext.sphinx_word).

Blocks are written one setting per line: searchd does not parse a block on one line.
Each node has its own pid file, data directory and binlog directory (a shared binlog
directory stops the second node).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from indexer.engines.sphinx.layout import ClusterLayout, Node
from indexer.fields import FIELDS

GENERATIONS = ("docs_a", "docs_b")
STATE_INDEX = "cluster_state"
# Facet and filter values by their ids (a search shows names, the shards hold ids).
VALUES_INDEX = "cluster_values"
# The characters searchd keeps in a word (first, last); querytext.sphinx_word writes
# every other character of a term as _hex_, so each term is one word to searchd.
WORD_CHARACTERS = (
    ("0", "9"),
    ("a", "z"),
    ("\uac00", "\ud7a3"),  # Hangul syllables
    ("\u3131", "\u318e"),  # compatibility jamo
    ("\u1100", "\u11ff"),  # jamo
    ("\u00c0", "\u00ff"),  # Latin-1 letters
)
CHARSET_TABLE = ", ".join(
    [
        "A..Z->a..z",
        "_",
        *(
            f"{first}..{last}" if first.isascii() else f"U+{ord(first):04X}..U+{ord(last):04X}"
            for first, last in WORD_CHARACTERS
        ),
    ]
)
AGENT_CONNECT_TIMEOUT_MS = 300
AGENT_QUERY_TIMEOUT_MS = 3000
MAX_PACKET_BYTES = 32 * 2**20  # one SphinxQL statement (a batch of rows); default 8 MiB


def terms_index(generation: str) -> str:
    """The aggregator's index of a generation's document frequencies per field and term
    (indexer/engines/sphinx/termstats.py); a full build empties and fills it."""
    return f"terms_{generation}"


@dataclass(frozen=True)
class ClusterSchema:
    """Full-text fields and attributes, in the order a TSV row and an INSERT give them."""

    text_fields: tuple[str, ...]
    string_attributes: tuple[str, ...]
    column_attributes: tuple[str, ...]  # the registry's columns (content hash, origin)
    value_attributes: tuple[str, ...]  # one value, as its 64-bit id (filters, facets)
    multi_attributes: tuple[str, ...]  # several values, as 64-bit ids
    number_attributes: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            *self.text_fields,
            *self.string_attributes,
            *self.column_attributes,
            *self.value_attributes,
            *self.multi_attributes,
            *self.number_attributes,
        )


def cluster_schema() -> ClusterSchema:
    """From the registry: each text field and its bigram twin; a keyword as the 64-bit id
    of its value and keywords as ids of theirs (Sphinx 2.2 filters and groups numbers;
    its WHERE has no OR for strings); years and days (yyyymmdd) as numbers; the id and
    the whole stored document as JSON in ``stored`` (searchd keeps no text it indexed);
    each text field's analysed tokens in ``terms`` (JSON), for scoring candidates; and
    the columns (content hash, origin) a reindex compares; each text field's length in
    tokens (<field>_length), which the candidates' ranking normalises by."""
    text = tuple(name for f in FIELDS if f.kind == "text" for name in (f.name, f"{f.name}_bigram"))
    values = tuple(f.name for f in FIELDS if f.kind == "keyword")
    multi = tuple(f.name for f in FIELDS if f.kind == "keywords")
    columns = tuple(f.name for f in FIELDS if f.kind == "column")
    strings = ("doc_id", "stored", "terms")
    lengths = tuple(f"{name}_length" for name in text)  # tokens, for the ranking
    return ClusterSchema(text, strings, columns, values, multi, ("year", "day", *lengths))


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
            ("max_packet_size", MAX_PACKET_BYTES),
        ],
    )


def shard_config(node: Node, node_dir: Path, schema: ClusterSchema) -> str:
    """A shard node: one real-time index per generation."""
    blocks = [
        _block(
            "index",
            generation,
            [
                ("type", "rt"),
                ("path", node_dir / "data" / generation),
                *(("rt_field", name) for name in schema.text_fields),
                *(
                    ("rt_attr_string", name)
                    for name in (*schema.string_attributes, *schema.column_attributes)
                ),
                *(("rt_attr_bigint", name) for name in schema.value_attributes),
                *(("rt_attr_multi_64", name) for name in schema.multi_attributes),
                *(("rt_attr_uint", name) for name in schema.number_attributes),
                ("charset_table", CHARSET_TABLE),
                ("index_field_lengths", 1),
                # Document frequencies of the whole cluster, written by a full build
                # (read when the node starts; searches ask for them with global_idf=1).
                ("global_idf", node_dir / "global.idf"),
            ],
        )
        for generation in GENERATIONS
    ]
    return "\n".join([*blocks, _searchd(node, node_dir)])


def aggregator_config(layout: ClusterLayout, node_dir: Path) -> str:
    """The aggregator: per generation, a distributed index over every shard (a shard's
    mirrors after ``|``); the index naming the serving generation (and each one's
    totals); facet values by id; and the document frequencies of terms."""
    blocks = []
    for generation in GENERATIONS:
        agents = [
            ("agent", "|".join(f"{n.api_address}:{generation}" for n in shard.nodes))
            for shard in layout.shards
        ]
        settings = [
            ("type", "distributed"),
            *agents,
            ("agent_connect_timeout", AGENT_CONNECT_TIMEOUT_MS),
            ("agent_query_timeout", AGENT_QUERY_TIMEOUT_MS),
            ("ha_strategy", "nodeads"),
        ]
        blocks.append(_block("index", generation, settings))
    state = [
        ("type", "rt"),
        ("path", node_dir / "data" / STATE_INDEX),
        ("rt_field", "note"),
        ("rt_attr_string", "generation"),
        ("rt_attr_string", "stats"),  # a generation's row: its documents and field lengths
    ]
    blocks.append(_block("index", STATE_INDEX, state))
    for generation in GENERATIONS:
        terms = [
            ("type", "rt"),
            ("path", node_dir / "data" / terms_index(generation)),
            ("rt_field", "note"),
            ("rt_attr_string", "field"),
            ("rt_attr_string", "term"),
            ("rt_attr_uint", "df"),
        ]
        blocks.append(_block("index", terms_index(generation), terms))
    names = [
        ("type", "rt"),
        ("path", node_dir / "data" / VALUES_INDEX),
        ("rt_field", "note"),
        ("rt_attr_string", "generation"),
        ("rt_attr_string", "field"),
        ("rt_attr_string", "value"),
    ]
    blocks.append(_block("index", VALUES_INDEX, names))
    return "\n".join([*blocks, _searchd(layout.aggregator, node_dir)])


def node_configs(layout: ClusterLayout, root: Path) -> dict[str, str]:
    """Node name -> its configuration, with its files under ``root/<node name>``."""
    schema = cluster_schema()
    configs = {layout.aggregator.name: aggregator_config(layout, root / layout.aggregator.name)}
    for shard in layout.shards:
        for node in shard.nodes:
            configs[node.name] = shard_config(node, root / node.name, schema)
    return configs
