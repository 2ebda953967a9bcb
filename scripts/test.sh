#!/usr/bin/env bash
# Install everything the tests need (Python packages, the official JS SDK from npm) and run every
# check: ruff, mypy and pytest. With TRANSFERD_TEST_POSTGRES set (e.g.
# postgresql://postgres@127.0.0.1/test) the in-process API tests run again on PostgreSQL.
# `.ci/run` calls exactly this. Extra arguments go to the first pytest run.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
if [ -f tests/e2e/js/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd tests/e2e/js && npm install --no-audit --no-fund --no-package-lock --silent)
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
env -u TRANSFERD_TEST_POSTGRES .venv/bin/pytest "$@"  # SQLite, the embedded default
if [ -n "${TRANSFERD_TEST_POSTGRES:-}" ]; then
  echo "--- again on PostgreSQL ($TRANSFERD_TEST_POSTGRES): in-process API, auth and store tests"
  .venv/bin/pytest -q -p no:cacheprovider tests/api tests/auth tests/services -m "not e2e"
fi
