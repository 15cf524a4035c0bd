#!/usr/bin/env bash
# The README's demo: install dynclient into .venv, then run examples/quickstart.py.
#
#   bash examples/demo.sh                        start a local cluster (tests/apiserver --full), run, stop it
#   bash examples/demo.sh --kubeconfig PATH [--context NAME]   run against your own cluster instead
#
# The local cluster (kube-apiserver, kube-controller-manager and a fake kubelet for one node) is built from
# Go modules the first time (several minutes; later starts take seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

kubeconfig="" context=()
while (($#)); do
	case $1 in
	--kubeconfig) kubeconfig=${2:?--kubeconfig needs a path}; shift 2 ;;
	--kubeconfig=*) kubeconfig=${1#*=}; shift ;;
	--context) context=(--context "${2:?--context needs a name}"); shift 2 ;;
	--context=*) context=(--context "${1#*=}"); shift ;;
	-h | --help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "demo.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
done

echo "demo.sh: installing dynclient into .venv" >&2
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

if [[ -n $kubeconfig ]]; then
	exec .venv/bin/python examples/quickstart.py --kubeconfig "$kubeconfig" ${context[@]+"${context[@]}"}
fi

if [[ ${#context[@]} -gt 0 ]]; then
	echo "demo.sh: --context needs --kubeconfig" >&2
	exit 2
fi
echo "demo.sh: starting a local cluster (the first run builds it from Go modules: this takes several minutes)" >&2
kubeconfig=$(tests/apiserver/run start --full | tail -n 1)
[[ -n $kubeconfig ]] || { echo "demo.sh: tests/apiserver/run start printed no kubeconfig" >&2; exit 1; }
trap 'tests/apiserver/run stop "$kubeconfig" >/dev/null || true' EXIT
trap 'exit 130' INT TERM
.venv/bin/python examples/quickstart.py --kubeconfig "$kubeconfig"
