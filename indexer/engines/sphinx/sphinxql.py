"""Talking SphinxQL (the MySQL wire protocol searchd speaks) with PyMySQL."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

import pymysql

from indexer.engines.sphinx.layout import Node
from indexer.engines.sphinx.nodeconfig import GENERATIONS, STATE_INDEX
from indexer.errors import PolicySearchError


class ClusterError(PolicySearchError):
    """The cluster cannot do what was asked (a program missing, a node not answering).
    A web client is told the service does not answer; the server log names the node."""

    http_status = 503
    client_code = "service_unavailable"


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


ID_BATCH = 500  # ids in one ``id IN (...)`` filter
PAGE_ROWS = 10_000  # rows of one page when reading a whole index


def rows_by_id(connection: Any, index: str, columns: str, ids: Sequence[int]) -> Iterator[tuple]:
    """The rows (id, then ``columns``) of those of ``ids`` the index holds."""
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ID_BATCH):
            batch = ids[start : start + ID_BATCH]
            cursor.execute(
                f"SELECT id, {columns} FROM {index} WHERE id IN ({', '.join(map(str, batch))}) "
                f"LIMIT {len(batch)} OPTION max_matches={len(batch)}"
            )
            yield from cursor.fetchall()


def every_row(connection: Any, index: str, columns: str) -> Iterator[tuple[list[tuple], str]]:
    """Every row (id, then ``columns``) of an index, a page at a time in id order (one
    result holds at most max_matches), each page with the warning searchd gave (a
    distributed index's agent that did not answer)."""
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {columns} FROM {index} WHERE id > {last} "
                f"ORDER BY id ASC LIMIT {PAGE_ROWS} OPTION max_matches={PAGE_ROWS}"
            )
            rows = list(cursor.fetchall())
            cursor.execute("SHOW META")
            warning = str(dict(cursor.fetchall()).get("warning", ""))
            if not rows:
                if warning:
                    yield rows, warning
                return
            yield rows, warning
            last = int(rows[-1][0])
