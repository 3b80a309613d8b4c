"""Talking SphinxQL (the MySQL wire protocol searchd speaks) with PyMySQL."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import pymysql

from .layout import Node
from .nodeconfig import DISTRIBUTED_INDEX


@contextlib.contextmanager
def connect(node: Node, timeout_s: float) -> Iterator[Any]:
    """A connection to ``node``; ClusterError (local.py) when it does not answer."""
    from .local import ClusterError

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
        )
    except pymysql.MySQLError as exc:
        raise ClusterError(f"{node.name} at {node.sql_address} does not answer: {exc}") from None
    try:
        yield connection
    finally:
        connection.close()


def count_documents(connection: Any, live_only: bool = True) -> int:
    """Documents in the node's ``docs`` index (through the aggregator: the cluster's)."""
    with connection.cursor() as cursor:
        where = " WHERE live = 1" if live_only else ""
        cursor.execute(f"SELECT id FROM {DISTRIBUTED_INDEX}{where} LIMIT 0")
        cursor.fetchall()
        cursor.execute("SHOW META")
        meta = dict(cursor.fetchall())
    return int(meta.get("total_found", 0))
