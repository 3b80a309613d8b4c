"""Each shared dataset indexes with one command; documents = source records - rejections."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from indexer import SearchIndex, load_settings
from indexer.cli import main

from .conftest import SHARED_DATA


def count_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def source_records(dataset):
    folder = SHARED_DATA / dataset
    if dataset == "seoul-budget-promises":
        return count_jsonl(folder / "seoul_budget_programs_2018.jsonl") + count_jsonl(
            folder / "seoul_mayor_promises_2014_2018.jsonl"
        )
    if dataset == "kr-welfare-services":
        return count_jsonl(folder / "welfare_services_2023.jsonl")
    data = json.loads((folder / "KorQuAD_v1.0_dev.json").read_text(encoding="utf-8"))
    return sum(len(article["paragraphs"]) for article in data["data"])


@pytest.mark.parametrize(
    "dataset, expected_records",
    [
        ("seoul-budget-promises", 4023 + 250),
        ("kr-welfare-services", 464),
        ("korquad-v1-dev", 964),
    ],
)
def test_dataset_indexes_with_one_command(tmp_path, dataset, expected_records):
    assert source_records(dataset) == expected_records
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(
        main, ["index", str(SHARED_DATA / dataset), "--index-dir", str(index_dir), "-q"]
    )
    assert result.exit_code in (0, 3), result.output
    match = re.search(r"Rejected ([\d,]+)", result.output)
    rejected = int(match.group(1).replace(",", "")) if match else 0
    assert (result.exit_code == 3) == (rejected > 0)

    settings = load_settings(None, environ={}, index_dir=str(index_dir))
    index = SearchIndex(index_dir, settings)
    assert index.stats().documents == expected_records - rejected
    index.close()
