"""A cluster of searchd processes on this machine, for development and tests: write the
layout and every node's configuration, start, stop and check the nodes.

Production runs each node on its own host (``policysearch cluster deploy`` prints what
to put where); the processes here are the same programs with the same configurations,
on loopback ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.engines.sphinx.layout import ClusterLayout, Node, local_layout
from indexer.engines.sphinx.nodeconfig import GENERATIONS, node_configs
from indexer.engines.sphinx.sphinxql import (
    ClusterError,
    connect,
    count_documents,
    serving_generation,
)
from indexer.errors import ConfigError
from indexer.writing.lock import process_alive

CONFIG_FILE = "searchd.conf"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
PROGRAMS = ("searchd", "indexer", "indextool")


@dataclass(frozen=True)
class NodeStatus:
    name: str
    address: str
    running: bool  # its process is alive (local nodes)
    answering: bool  # it answers SphinxQL
    documents: int | None = None  # in its indexes, when it answers
    problem: str = ""


def require_programs() -> None:
    missing = [program for program in PROGRAMS if shutil.which(program) is None]
    if missing:
        raise ClusterError(
            f"{', '.join(missing)} not found. Install Sphinx (Debian: apt-get install "
            "sphinxsearch) or Manticore Search, whose programs have the same names."
        )


def init_cluster(root: Path, shards: int, mirrors: bool = False) -> ClusterLayout:
    """Writes a new local cluster under ``root``: cluster.json, and per node a directory
    with its configuration, data and binlog directories."""
    require_programs()
    root = Path(root)
    if (root / "cluster.json").exists():
        raise ConfigError(f"{root} already holds a cluster (cluster.json); use another directory.")
    layout = local_layout(shards, mirrors)
    root.mkdir(parents=True, exist_ok=True)
    for name, text in node_configs(layout, root.resolve()).items():
        node_dir = root.resolve() / name
        for sub in ("data", "binlog"):
            (node_dir / sub).mkdir(parents=True, exist_ok=True)
        (node_dir / CONFIG_FILE).write_text(text, encoding="utf-8")
    layout.save(root)
    return layout


def start_cluster(root: Path) -> list[NodeStatus]:
    """Starts every node that is not running and waits until each answers."""
    require_programs()
    layout = ClusterLayout.load(root)
    for node in layout.nodes:
        if not _pid_alive(_pid(root, node)):
            start_node(root, node)
    return wait_until_answering(root, layout, START_TIMEOUT_S)


def start_node(root: Path, node: Node) -> None:
    config = Path(root).resolve() / node.name / CONFIG_FILE
    finished = subprocess.run(
        ["searchd", "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    if finished.returncode != 0:
        raise ClusterError(f"searchd did not start for {node.name}: {_last_lines(finished.stdout)}")


def stop_node(root: Path, node: Node, kill: bool = False) -> None:
    """Stops one node (SIGTERM: it finishes and saves its real-time index; ``kill``:
    SIGKILL, as a crash would) and waits until its process is gone."""
    pid = _pid(root, node)
    if not _pid_alive(pid):
        return
    assert pid is not None
    if kill:
        # searchd's watchdog (its parent) restarts a killed server: kill it first.
        watchdog = _parent_searchd(pid)
        if watchdog is not None:
            os.kill(watchdog, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _pid_alive(pid):
        raise ClusterError(f"{node.name} (pid {pid}) did not stop within {STOP_TIMEOUT_S:.0f} s.")


def restart_shards(root: Path) -> None:
    """Restarts the running shard nodes one at a time (each reads global.idf when it
    starts; a shard's mirror keeps answering meanwhile)."""
    layout = ClusterLayout.load(root)
    for shard in layout.shards:
        for node in shard.nodes:
            if _pid_alive(_pid(root, node)):
                stop_node(root, node)
                start_node(root, node)
    wait_until_answering(root, layout, START_TIMEOUT_S)


def stop_cluster(root: Path) -> None:
    layout = ClusterLayout.load(root)
    for node in reversed(layout.nodes):
        stop_node(root, node)


def cluster_status(root: Path) -> list[NodeStatus]:
    layout = ClusterLayout.load(root)
    generation = current_generation(layout)
    return [node_status(root, node, generation) for node in layout.nodes]


def current_generation(layout: ClusterLayout) -> str:
    """The serving generation, as the aggregator's state says (the first when it says
    nothing or does not answer)."""
    try:
        with connect(layout.aggregator, timeout_s=2.0) as connection:
            return serving_generation(connection)
    except ClusterError:
        return GENERATIONS[0]


def node_status(root: Path, node: Node, generation: str) -> NodeStatus:
    running = _pid_alive(_pid(root, node))
    try:
        with connect(node, timeout_s=2.0) as connection:
            documents = count_documents(connection, generation)
    except ClusterError as exc:
        return NodeStatus(node.name, node.sql_address, running, False, None, str(exc))
    return NodeStatus(node.name, node.sql_address, running, True, documents)


def wait_until_answering(root: Path, layout: ClusterLayout, timeout_s: float) -> list[NodeStatus]:
    deadline = time.monotonic() + timeout_s
    while True:
        statuses = [node_status(root, node, GENERATIONS[0]) for node in layout.nodes]
        if all(status.answering for status in statuses):
            return statuses
        if time.monotonic() > deadline:
            silent = [s for s in statuses if not s.answering]
            details = "; ".join(f"{s.name}: {s.problem}" for s in silent)
            raise ClusterError(f"Nodes not answering after {timeout_s:.0f} s: {details}")
        time.sleep(0.2)


def _pid(root: Path, node: Node) -> int | None:
    try:
        return int((Path(root) / node.name / "searchd.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _pid_alive(pid: int | None) -> bool:
    if pid is None or not process_alive(pid):
        return False
    # A zombie (exited, not yet reaped) is not running.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except IndexError:
        return True
    except OSError:  # gone between the two checks (reading its stat fails with ESRCH)
        return False
    return state != "Z"


def _parent_searchd(pid: int) -> int | None:
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        name = Path(f"/proc/{parent}/comm").read_text().strip()
    except (FileNotFoundError, IndexError, ValueError):
        return None
    return parent if name == "searchd" else None


def _last_lines(text: str, count: int = 5) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-count:])
