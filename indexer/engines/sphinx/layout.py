"""Which nodes a cluster has and where they listen: one aggregator that the search API
talks to, and shard nodes that each hold a share of the documents (with optional
mirrors: another node holding the same share, which the aggregator uses when the first
does not answer).

Saved as cluster.json in the cluster directory; ``policysearch cluster init`` writes it.
"""

from __future__ import annotations

import json
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer.errors import ConfigError

LAYOUT_FILE = "cluster.json"
LOOPBACK = "127.0.0.1"
# What `cluster init` writes into the nodes' configuration; 2: field lengths for the
# ranking (nodeconfig.cluster_schema). A cluster set up for an older one is set up again.
LAYOUT_VERSION = 2


@dataclass(frozen=True)
class Node:
    """One searchd process: ``sql_port`` speaks SphinxQL (the MySQL protocol), and
    ``api_port`` the binary protocol the aggregator uses to reach shards."""

    name: str
    host: str
    sql_port: int
    api_port: int

    @property
    def api_address(self) -> str:
        return f"{self.host}:{self.api_port}"

    @property
    def sql_address(self) -> str:
        return f"{self.host}:{self.sql_port}"


@dataclass(frozen=True)
class Shard:
    """A share of the documents: served by ``node``, and by ``mirrors`` too."""

    number: int
    node: Node
    mirrors: tuple[Node, ...] = ()

    @property
    def nodes(self) -> tuple[Node, ...]:
        return (self.node, *self.mirrors)


@dataclass(frozen=True)
class ClusterLayout:
    aggregator: Node
    shards: tuple[Shard, ...] = field(default_factory=tuple)
    version: int = LAYOUT_VERSION

    def require_current(self, directory: Path) -> None:
        """ConfigError when the nodes were set up by an earlier version (their indexes
        lack what searches and writes now read)."""
        if self.version < LAYOUT_VERSION:
            raise ConfigError(
                f"The cluster in {directory} was set up by an earlier version of policysearch. "
                f"Set up a new one and build it: policysearch cluster stop {directory}; "
                f"policysearch cluster init NEW_DIR --shards {len(self.shards)}; policysearch "
                "cluster start NEW_DIR; set cluster_dir to NEW_DIR; policysearch index."
            )

    @property
    def nodes(self) -> tuple[Node, ...]:
        return (self.aggregator, *(node for shard in self.shards for node in shard.nodes))

    def node_named(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise ConfigError(f"The cluster has no node {name!r}: it has {self._names()}.")

    def _names(self) -> str:
        return ", ".join(node.name for node in self.nodes)

    def save(self, directory: Path) -> Path:
        path = directory / LAYOUT_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> ClusterLayout:
        path = Path(directory) / LAYOUT_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"{directory} is not a cluster directory (no {LAYOUT_FILE}). Create one with "
                "'policysearch cluster init DIR'."
            ) from None
        except ValueError as exc:
            raise ConfigError(f"{path} is not valid JSON: {exc}.") from None
        return cls(
            aggregator=Node(**data["aggregator"]),
            shards=tuple(
                Shard(
                    number=shard["number"],
                    node=Node(**shard["node"]),
                    mirrors=tuple(Node(**mirror) for mirror in shard.get("mirrors", ())),
                )
                for shard in data["shards"]
            ),
            version=int(data.get("version", 1)),
        )


def local_layout(shards: int, mirrors: bool = False, host: str = LOOPBACK) -> ClusterLayout:
    """A cluster of processes on this machine, on free ports: the aggregator and
    ``shards`` shard nodes (each with a mirror node when ``mirrors``)."""
    if shards < 1:
        raise ConfigError("A cluster needs at least one shard.")

    names = ["aggregator"]
    for n in range(1, shards + 1):
        names += [f"shard{n}", *([f"shard{n}-mirror"] if mirrors else [])]
    ports = iter(free_ports(host, 2 * len(names)))
    nodes = {name: Node(name, host, next(ports), next(ports)) for name in names}
    return ClusterLayout(
        aggregator=nodes["aggregator"],
        shards=tuple(
            Shard(n, nodes[f"shard{n}"], (nodes[f"shard{n}-mirror"],) if mirrors else ())
            for n in range(1, shards + 1)
        ),
    )


def free_ports(host: str, count: int) -> list[int]:
    """``count`` distinct ports free now (all probes are held open together, so the
    system cannot hand the same one out twice)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind((host, 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def vector_dir(root: Path, generation: str) -> Path:
    """Where a generation's document vectors live: in the cluster directory, beside
    cluster.json, on the machine that runs the aggregator and the searches (the
    nearest-neighbour search is one matrix product over every document, which the
    shards' searchd cannot do)."""
    return root / f"vectors-{generation}"
