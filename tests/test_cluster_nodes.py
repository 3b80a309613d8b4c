"""A local Sphinx cluster: node configurations written from the field registry, and real
searchd processes (two shards and an aggregator on loopback) started, checked, killed
and stopped through `policysearch cluster`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.engines.sphinx.layout import ClusterLayout, local_layout
from indexer.engines.sphinx.local import cluster_status, stop_node
from indexer.engines.sphinx.nodeconfig import GENERATIONS, cluster_schema, node_configs
from indexer.engines.sphinx.sphinxql import connect
from indexer.fields import FIELDS

needs_sphinx = pytest.mark.skipif(
    shutil.which("searchd") is None,
    reason="sphinxsearch is not installed (scripts/test.sh installs it)",
)


def test_every_node_has_its_own_pid_file_data_and_binlog(tmp_path):
    layout = local_layout(2, mirrors=True)
    configs = node_configs(layout, tmp_path)
    assert set(configs) == {"aggregator", "shard1", "shard1-mirror", "shard2", "shard2-mirror"}
    for setting in ("pid_file", "binlog_path", "log"):
        values = [
            re.search(rf"^\s*{setting} = (.+)$", text, re.M).group(1) for text in configs.values()
        ]
        assert len(set(values)) == len(values), setting
    for text in configs.values():
        for line in text.splitlines():  # searchd does not parse a block written on one line
            assert not re.search(r"\{.*\S.*\}", line)


def test_the_aggregator_names_each_shard_with_its_mirror_after_a_bar(tmp_path):
    layout = local_layout(2, mirrors=True)
    aggregator = node_configs(layout, tmp_path)["aggregator"]
    agents = re.findall(r"^\s*agent = (.+)$", aggregator, re.M)
    assert len(agents) == 2 * len(GENERATIONS)  # each generation reaches every shard
    for shard, agent in zip(layout.shards, agents[:2], strict=True):
        assert agent.split("|")[0].startswith(shard.node.api_address + ":")
        assert agent.split("|")[1].startswith(shard.mirrors[0].api_address + ":")


def test_the_schema_holds_every_registry_field_that_a_search_reads():
    schema = cluster_schema()
    for field in FIELDS:
        if field.kind == "text":
            assert {field.name, field.name + "_bigram"} <= set(schema.text_fields)
        elif field.kind == "keyword":
            assert field.name in schema.value_attributes
        elif field.kind == "keywords":
            assert field.name in schema.multi_attributes
    assert {"year", "day"} <= set(schema.number_attributes)


def test_hangul_is_in_the_charset_table(tmp_path):
    config = node_configs(local_layout(1), tmp_path)["shard1"]
    table = re.search(r"charset_table = (.+)", config).group(1)
    for block in ("U+AC00..U+D7A3", "U+3131..U+318E", "U+1100..U+11FF"):
        assert block in table


@pytest.fixture
def cluster(tmp_path):
    root = tmp_path / "cluster"
    result = CliRunner().invoke(main, ["cluster", "init", str(root), "--shards", "2"])
    assert result.exit_code == 0, result.output
    yield root
    CliRunner().invoke(main, ["cluster", "stop", str(root)])


@needs_sphinx
def test_a_local_cluster_starts_answers_and_stops(cluster):
    started = CliRunner().invoke(main, ["cluster", "start", str(cluster)])
    assert started.exit_code == 0, started.output
    status = CliRunner().invoke(main, ["cluster", "status", str(cluster), "--json"])
    assert status.exit_code == 0
    nodes = {node["name"]: node for node in json.loads(status.output)}
    assert set(nodes) == {"aggregator", "shard1", "shard2"}
    assert all(node["answering"] and node["documents"] == 0 for node in nodes.values())
    stopped = CliRunner().invoke(main, ["cluster", "stop", str(cluster)])
    assert stopped.exit_code == 0
    assert not any(s.running or s.answering for s in cluster_status(cluster))
    down = CliRunner().invoke(main, ["cluster", "status", str(cluster)])
    assert down.exit_code == 1 and "down" in down.output


@needs_sphinx
def test_a_killed_shard_stays_down_and_the_aggregator_answers_with_a_warning(cluster):
    assert CliRunner().invoke(main, ["cluster", "start", str(cluster)]).exit_code == 0
    layout = ClusterLayout.load(cluster)
    stop_node(cluster, layout.node_named("shard1"), kill=True)
    statuses = {s.name: s for s in cluster_status(cluster)}
    assert not statuses["shard1"].answering and statuses["shard2"].answering
    with connect(layout.aggregator, timeout_s=2) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM docs_a LIMIT 5")
        assert cursor.fetchall() == ()
        cursor.execute("SHOW META")
        warning = dict(cursor.fetchall()).get("warning", "")
    assert layout.node_named("shard1").api_address in warning


def test_a_directory_without_a_cluster_is_explained(tmp_path):
    result = CliRunner().invoke(main, ["cluster", "status", str(tmp_path)])
    assert result.exit_code == 1 and "cluster init" in result.output
    assert "Traceback" not in result.output


@needs_sphinx
def test_deploy_prints_each_node_with_a_warning_about_private_addresses(cluster):
    printed = CliRunner().invoke(main, ["cluster", "deploy", str(cluster)]).output
    assert printed.count("### node ") == 3 and "PRIVATE" in printed
    assert "/var/lib/policysearch/shard1/data/docs_a" in printed


@needs_sphinx
def test_init_refuses_a_directory_that_holds_a_cluster(cluster):
    again = CliRunner().invoke(main, ["cluster", "init", str(cluster)])
    assert again.exit_code == 1 and "already holds a cluster" in again.output
    assert Path(cluster, "cluster.json").exists()
