#!/usr/bin/env bash
# Install transferd into ./.venv and start it on its embedded default (SQLite + local files in
# ./transferd-data). Extra arguments go to `transferd serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet .
exec .venv/bin/transferd serve "$@"
