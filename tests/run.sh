#!/usr/bin/env bash
# The README's test command: install everything into .venv from scratch, then run the whole suite.
# Integration tests start a real kube-apiserver (tests/apiserver, built from Go modules) unless
# DYNCLIENT_TEST_KUBECONFIG points at a cluster. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,socks]'
exec .venv/bin/python -m pytest "$@"
