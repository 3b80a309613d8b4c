"""schemathesis against the app: generated requests, valid and invalid, to every
operation of /api/openapi.json never get a 5xx, and every answer matches the
description (status, content type, headers, body schema). Bounded: a fixed number of
derandomized examples per operation and mode."""

from __future__ import annotations

import dataclasses

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from searchweb import create_app

EXAMPLES = 60
OPERATIONS = [
    "GET /api/search",
    "GET /api/facet/{name}",
    "GET /api/export.{export_format}",
    "GET /api/doc",
    "GET /api/doc/{id}",
    "GET /api/suggest",
]


@pytest.fixture(scope="module")
def api_schema(backend_settings):
    # allow_raw_queries on: raw=1 is part of the description, so it must work too.
    app_settings = dataclasses.replace(
        backend_settings, api_requests_per_minute=0, allow_raw_queries=True
    )
    app = create_app({"SETTINGS": app_settings, "TESTING": True})
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def test_the_description_names_these_operations(api_schema):
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


# A path id takes any string: there is no invalid request of /api/doc/{id} to generate.
CASES = [(label, GenerationMode.POSITIVE) for label in OPERATIONS] + [
    (label, GenerationMode.NEGATIVE) for label in OPERATIONS if "{id}" not in label
]


@pytest.mark.parametrize("label, mode", CASES)
def test_the_api_keeps_to_its_description(api_schema, label, mode):
    operation = api_schema.find_operation_by_label(label)
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call_and_validate()
        calls.append(response.status_code)

    check()
    assert calls and all(status < 500 for status in calls)
