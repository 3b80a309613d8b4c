#!/usr/bin/env bash
# Sets up .venv with the project and its test extras, checks lint, formatting, types and
# import rules (ruff, mypy, lint-imports), then runs the whole test suite.
# Extra arguments go to pytest (e.g. bash scripts/test.sh -k search).
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's chromium; install it (and Korean fonts) when missing.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

# Cluster tests start real Sphinx nodes (searchd, indexer, indextool from sphinxsearch).
if ! command -v searchd >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sphinxsearch >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# Lint, format and types first: a finding fails the run before the slow tests start.
.venv/bin/ruff check indexer searchweb tests bench
.venv/bin/ruff format --check indexer searchweb tests bench
.venv/bin/mypy
# The layers' import rules (pyproject.toml [tool.importlinter]).
.venv/bin/lint-imports --no-cache

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
