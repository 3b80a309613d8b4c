"""`policysearch cluster`: a Sphinx/Manticore cluster's nodes, written, started, stopped
and checked on this machine, and what to deploy on real hosts."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from indexer.cli import _fail_cleanly, main
from indexer.engines.sphinx import local
from indexer.engines.sphinx.layout import ClusterLayout
from indexer.engines.sphinx.nodeconfig import node_configs

DIRECTORY = click.argument("directory", type=click.Path(file_okay=False, path_type=Path))


@main.group()
def cluster() -> None:
    """A sharded cluster of searchd nodes (Sphinx 2.2 here; Manticore in production)."""


@cluster.command("init")
@DIRECTORY
@click.option("--shards", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--mirrors", is_flag=True, help="A mirror node for each shard (failover).")
@_fail_cleanly
def init(directory: Path, shards: int, mirrors: bool) -> None:
    """Write a local cluster (loopback ports) into DIRECTORY: cluster.json and each
    node's configuration, data and log directories."""
    layout = local.init_cluster(directory, shards, mirrors)
    click.echo(f"Wrote a cluster of {len(layout.nodes)} nodes in {directory}:")
    _echo_layout(layout)
    click.echo(f"Start it with: policysearch cluster start {directory}")


@cluster.command("start")
@DIRECTORY
@_fail_cleanly
def start(directory: Path) -> None:
    """Start every node that is not running and wait until all answer."""
    _echo_statuses(local.start_cluster(directory))


@cluster.command("stop")
@DIRECTORY
@_fail_cleanly
def stop(directory: Path) -> None:
    """Stop every node (each saves its real-time index first)."""
    local.stop_cluster(directory)
    click.echo("Stopped.")


@cluster.command("status")
@DIRECTORY
@click.option("--json", "as_json", is_flag=True)
@_fail_cleanly
def status(directory: Path, as_json: bool) -> None:
    """Which nodes run and answer, and how many documents each holds. Exit status 1
    when a node does not answer."""
    statuses = local.cluster_status(directory)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in statuses], indent=2))
    else:
        _echo_statuses(statuses)
    if not all(s.answering for s in statuses):
        raise SystemExit(1)


@cluster.command("deploy")
@DIRECTORY
@_fail_cleanly
def deploy(directory: Path) -> None:
    """Print each node's configuration, to put on its host (paths under /var/lib)."""
    layout = ClusterLayout.load(directory)
    click.echo(
        "# Each block is one node's searchd configuration. On its host: save it as\n"
        "# /etc/manticoresearch/manticore.conf (or sphinx.conf), change the addresses to\n"
        "# the host's PRIVATE address, and start searchd. Nodes must listen on private\n"
        "# addresses only: searchd has no authentication.\n"
    )
    for name, text in node_configs(layout, Path("/var/lib/policysearch")).items():
        click.echo(f"### node {name}\n{text}")


def _echo_layout(layout: ClusterLayout) -> None:
    click.echo(f"  aggregator  SphinxQL {layout.aggregator.sql_address}")
    for shard in layout.shards:
        for node in shard.nodes:
            click.echo(f"  {node.name:<11} SphinxQL {node.sql_address}  API {node.api_address}")


def _echo_statuses(statuses: list[local.NodeStatus]) -> None:
    for s in statuses:
        state = "answering" if s.answering else ("running, not answering" if s.running else "down")
        documents = f"{s.documents:,} documents" if s.documents is not None else ""
        if s.running and not s.answering:
            documents = s.problem
        click.echo(f"  {s.name:<16} {s.address:<22} {state:<24} {documents}")
