"""Exports take a slot shared by every worker of a server (setting export_concurrency):
one more is answered 503 with Retry-After while searches go on, and a slot comes back
when its export is written, or when the worker holding it dies."""

from __future__ import annotations

import dataclasses
import os

import pytest

from searchweb import create_app
from searchweb.export_slots import ExportSlots


@pytest.fixture
def workers(policy_index, tmp_path):
    """Two apps over one index, as two of serve's worker processes (own slot key)."""
    settings = dataclasses.replace(policy_index.settings, export_concurrency=1)

    def worker():
        app = create_app({"SETTINGS": settings, "TESTING": True})
        app.extensions["policysearch_export_slots"] = ExportSlots(str(tmp_path), 1)
        return app.test_client()

    return worker(), worker()


def test_an_export_past_the_limit_is_refused_while_searches_go_on(workers):
    first, second = workers
    streaming = first.get("/api/export.csv?q=청년", buffered=False)
    assert streaming.status_code == 200
    refused = second.get("/api/export.csv?q=주거&hl=ko")
    assert refused.status_code == 503 and refused.get_json()["code"] == "exports_busy"
    assert refused.headers["Retry-After"] == "5"
    assert refused.get_json()["params"] == {"concurrency": 1, "retry_after_s": 5}
    assert second.get("/api/search?q=주거").status_code == 200  # searching is not held
    assert b"".join(streaming.response)  # the first export is written whole ...
    again = second.get("/api/export.csv?q=주거")  # ... and its slot is free again
    assert again.status_code == 200 and again.get_data()


def test_a_refused_request_never_holds_a_slot(workers):
    first, second = workers
    assert first.get("/api/export.csv?q=청년&from=2022-13-45").status_code == 400
    assert second.get("/api/export.csv?q=청년").status_code == 200


def test_as_many_exports_as_slots_run_at_once(tmp_path):
    slots = ExportSlots(str(tmp_path), 2)
    held = [slots.take(), slots.take()]
    assert None not in held and slots.take() is None
    held[0].release()
    held[0].release()  # twice: the stream's end and the response's close
    assert slots.take() is not None


def test_a_slot_comes_back_when_the_worker_holding_it_dies(tmp_path):
    slots = ExportSlots(str(tmp_path), 1)
    child = os.fork()
    if child == 0:  # a worker killed mid-export: it never gives its slot back
        slots.take()
        os._exit(0)
    os.waitpid(child, 0)
    assert slots.take() is not None
