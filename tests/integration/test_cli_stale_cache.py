"""``dynclient get`` on a stale disk cache heals itself, on the real API server (issue 12 item 4, the CLI face).

The setup is test_stale_cache's: a short name cached from group A, then moved
to group B. kubectl on that cache answers ``the server could not find the
requested resource``; ``dynclient get`` goes through ``ResourceClient``, so
the 404 makes it rediscover once and ask group B.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.integration.test_stale_cache import moved_short_name  # noqa: F401  (the fixture)


def dynclient_cli(kubeconfig: str, cache: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", kubeconfig, "--cache-dir", cache, *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("by_name", [False, True], ids=["list", "by-name"])
def test_get_with_a_moved_short_name_heals(moved_short_name, make_client, kubeconfig, tmp_path,  # noqa: F811
                                           namespace, by_name):
    short, group_a, group_b = moved_short_name
    make_client(disk_cache=False).resource(f"gadgets.{group_b}").namespace(namespace).create(
        {"apiVersion": f"{group_b}/v1", "kind": "Gadget", "metadata": {"name": "new"}})
    cache = str(tmp_path / "cache")  # where the fixture's client cached group A
    assert make_client().resource(short).gvr.group == group_a  # still stale

    proc = dynclient_cli(kubeconfig, cache, "get", short, *(["new"] if by_name else []), "-n", namespace,
                         "-o", "name", "-v=6")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"gadget.{group_b}/new\n"
    lines = [line for line in proc.stderr.splitlines() if "/gadgets" in line and " 429 " not in line]
    suffix = "/new" if by_name else "?limit=500"
    assert [line.split("] ", 1)[-1].split(" in ")[0] for line in lines][0].endswith(
        f"/apis/{group_a}/v1/namespaces/{namespace}/gadgets{suffix} 404 Not Found")
    assert lines[-1].split("] ", 1)[-1].split(" in ")[0].endswith(
        f"/apis/{group_b}/v1/namespaces/{namespace}/gadgets{suffix} 200 OK")
    # Healed on disk too: the next run asks group B straight away.
    again = dynclient_cli(kubeconfig, cache, "get", short, "-n", namespace, "-o", "name", "-v=6")
    assert again.returncode == 0 and again.stdout == f"gadget.{group_b}/new\n", again.stderr
    assert f"/apis/{group_a}/" not in again.stderr
