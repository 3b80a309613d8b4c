"""Talking SphinxQL (the MySQL wire protocol searchd speaks) with PyMySQL."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import pymysql

from ..errors import PolicySearchError
from .layout import Node
from .nodeconfig import GENERATIONS, STATE_INDEX


class ClusterError(PolicySearchError):
    """The cluster cannot do what was asked (a program missing, a node not answering)."""

    http_status = 503


@contextlib.contextmanager
def connect(node: Node, timeout_s: float) -> Iterator[Any]:
    """A connection to ``node``; ClusterError when it does not answer."""
    try:
        connection = pymysql.connect(
            host=node.host,
            port=node.sql_port,
            user="",
            connect_timeout=timeout_s,
            read_timeout=timeout_s * 10,
            write_timeout=timeout_s * 10,
            autocommit=True,
            charset="utf8mb4",
            # searchd speaks no TLS; PyMySQL's default would build a TLS context (about
            # 27 ms) for every connection to try it.
            ssl_disabled=True,
        )
    except pymysql.MySQLError as exc:
        raise ClusterError(
            code="cluster_down", node=node.name, address=node.sql_address, detail=str(exc)
        ) from None
    try:
        yield connection
    finally:
        connection.close()


def count_documents(connection: Any, generation: str) -> int:
    """Documents in ``generation`` on the node (through the aggregator: the cluster's)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {generation} LIMIT 0")
        cursor.fetchall()
        cursor.execute("SHOW META")
        meta = dict(cursor.fetchall())
    return int(meta.get("total_found", 0))


def serving_generation(connection: Any) -> str:
    """The generation the aggregator's state names (the first before any build)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation FROM {STATE_INDEX} WHERE id = 1")
        rows = cursor.fetchall()
    return rows[0][0] if rows and rows[0][0] in GENERATIONS else GENERATIONS[0]
