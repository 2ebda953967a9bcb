#!/usr/bin/env bash
# Install everything the tests need (Python packages, the official JS SDK from npm, Chromium)
# and run every check: ruff, mypy and pytest. `.ci/run` calls exactly this.
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
.venv/bin/pytest "$@"
