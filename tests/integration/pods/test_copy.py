"""``copy_to`` / ``copy_from`` on the harness's full cluster, with ``kubectl cp`` as the oracle.

The fake kubelet runs exec on this machine in the pod's scratch directory, so a relative remote path is
a fresh directory per pod. A tree with nested and empty directories, a binary file, names with spaces
and non-ASCII letters and a file of mode 0600 goes both ways with dynclient and with kubectl: the trees
they leave (kinds, modes, bytes) must be the same. A container whose ``tar`` is a script replaying a
crafted archive (its ``PATH`` starts with ``bin``) shows the extraction's checks on a real stream.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import stat
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

import pytest

import dynclient
from dynclient.pods.copy import CopyObserver, copy_from

from .conftest import GVR_PODS, pod_manifest

Tree = Dict[str, Tuple[Any, ...]]


def make_tree(root: Path) -> Path:
    """The tree the proof copies: nested and empty dirs, binary bytes, spaces, unicode, a private file."""
    (root / "nested" / "deeper" / "deepest").mkdir(parents=True)
    (root / "empty dir").mkdir()
    (root / "nested" / "empty").mkdir()
    # random-looking but the same in every call: the CLI test gives each tool its own copy of the tree
    (root / "binary.bin").write_bytes(bytes(range(256)) * 64 + random.Random(18).randbytes(300_000))
    (root / "with space.txt").write_bytes(b"a file with a space\n")
    (root / "ünïcødé ñame ✓.txt").write_bytes("ünïcødé\n".encode())
    (root / "nested" / "deeper" / "leaf.txt").write_bytes(b"leaf\n")
    (root / "nested" / "deeper" / "deepest" / "zero").write_bytes(b"")
    private = root / "nested" / "private"
    private.write_bytes(b"secret\n")
    os.chmod(private, 0o600)
    return root


def local_tree(root: Path) -> Tree:
    """Every path below ``root``: kind, permission bits, and for files their sha256."""
    out: Tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            rel = str(p.relative_to(root))
            if stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", oct(stat.S_IMODE(st.st_mode)))
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(p))
            else:
                out[rel] = ("f", oct(stat.S_IMODE(st.st_mode)), hashlib.sha256(p.read_bytes()).hexdigest())
    return out


LISTING = ('cd "$1" && find . -mindepth 1 -printf "%y %m %P\\n" | LC_ALL=C sort '
           '&& find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2')


def kubectl_run(kubeconfig: str, *args: str, cwd: Any = None) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, timeout=180, cwd=cwd)


def remote_tree(kubeconfig: str, ns: str, pod: str, path: str) -> str:
    """``find`` and ``sha256sum`` of ``path`` in the pod: kinds, modes, names and bytes, sorted."""
    proc = kubectl_run(kubeconfig, "-n", ns, "exec", pod, "--", "sh", "-c", LISTING, "sh", path)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode()


class Warnings(CopyObserver):
    def __init__(self) -> None:
        self.lines: list = []

    def skipped(self, item: Any) -> None:
        self.lines.append(item.warning())


@pytest.fixture
def pods(dyn: dynclient.DynamicClient, make_pod: Callable[..., Dict[str, Any]]) -> Any:
    make_pod("box")
    return dyn.resource(GVR_PODS).namespace(make_pod.namespace)  # type: ignore[attr-defined]


def test_tree_to_the_pod_is_the_tree_kubectl_makes(pods: Any, kubeconfig: str, tmp_path: Path) -> None:
    src = make_tree(tmp_path / "src")
    ns = pods.ns
    pods.copy_to("box", str(src), "by-dynclient")
    proc = kubectl_run(kubeconfig, "-n", ns, "cp", str(src), "box:by-kubectl")
    assert (proc.returncode, proc.stderr) == (0, b"")
    ours, theirs = remote_tree(kubeconfig, ns, "box", "by-dynclient"), remote_tree(kubeconfig, ns, "box", "by-kubectl")
    assert ours == theirs
    assert "f 600 nested/private" in ours and "d 755 empty dir" in ours and "ünïcødé ñame ✓.txt" in ours
    sums = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in ours.splitlines() if "  ./" in line}
    assert sums["./binary.bin"] == hashlib.sha256((src / "binary.bin").read_bytes()).hexdigest()
    # again: an existing directory receives the source under its own name, as with kubectl
    pods.copy_to("box", str(src), "by-dynclient")
    assert kubectl_run(kubeconfig, "-n", ns, "cp", str(src), "box:by-kubectl").returncode == 0
    assert remote_tree(kubeconfig, ns, "box", "by-dynclient/src") == remote_tree(kubeconfig, ns, "box", "by-kubectl/src")


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_tree_from_the_pod_is_the_tree_kubectl_makes(pods: Any, kubeconfig: str, tmp_path: Path,
                                                     absolute: bool) -> None:
    src = make_tree(tmp_path / "src")
    ns = pods.ns
    assert kubectl_run(kubeconfig, "-n", ns, "cp", str(src), "box:seed").returncode == 0
    remote = "seed"
    if absolute:
        remote = pods.exec("box", ["pwd"]).stdout.decode().strip() + "/seed"
    pods.copy_from("box", remote, str(tmp_path / "ours"))
    proc = kubectl_run(kubeconfig, "-n", ns, "cp", f"box:{remote}", str(tmp_path / "theirs"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (b"tar: Removing leading `/' from member names\n" if absolute else b"")
    ours = local_tree(tmp_path / "ours")
    assert ours == local_tree(tmp_path / "theirs")
    # the bytes and the tree are the original's; kubectl writes files 0666 less the umask, so does dynclient
    original = local_tree(src)
    assert ours.keys() == original.keys()
    assert all(ours[k][2] == original[k][2] for k in ours if ours[k][0] == "f")
    assert ours["nested/private"][1] == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def evil_archive() -> bytes:
    """What the hostile container's "tar" sends for ``tar cf - dst``: a climb, a symlink, a file under it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for name, data in [("dst/ok", b"ok"), ("dst/../escape", b"x"), ("dst/../../far", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("dst/link")
        link.type, link.linkname = tarfile.SYMTYPE, "../.."
        tf.addfile(link)
        through = tarfile.TarInfo("dst/link/through")
        through.size = 1
        tf.addfile(through, io.BytesIO(b"t"))
    return buf.getvalue()


def test_hostile_container_stream_stays_inside(dyn: dynclient.DynamicClient, pod_namespace: str, kubeconfig: str,
                                               tmp_path: Path) -> None:
    """The container's ``tar`` is ``bin/tar`` replaying ``evil_archive``; neither tool writes outside its target,
    and both leave the same tree and warnings (kubectl's symlink hint aside)."""
    ns = pod_namespace
    pods = dyn.resource(GVR_PODS).namespace(ns)
    body = pod_manifest("evil")
    body["spec"]["containers"][0]["env"] = [{"name": "PATH", "value": "bin:/usr/local/bin:/usr/bin:/bin"}]
    pods.create(body)
    _wait_running(pods, "evil")
    staged = tmp_path / "stage"
    (staged / "bin").mkdir(parents=True)
    (staged / "evil.tar").write_bytes(evil_archive())
    (staged / "bin" / "tar").write_bytes(b"#!/bin/sh\nexec cat evil.tar\n")
    os.chmod(staged / "bin" / "tar", 0o755)
    pods.copy_to("evil", str(staged / "evil.tar"), "evil.tar")  # the real tar still answers: no ./bin yet
    pods.copy_to("evil", str(staged / "bin"), "bin")
    assert pods.exec("evil", ["sh", "-c", "command -v tar"]).stdout == b"bin/tar\n"

    sandbox = tmp_path / "sandbox"
    (sandbox / "a" / "b").mkdir(parents=True)
    warnings = Warnings()
    copy_from(pods, "evil", "dst", str(sandbox / "a" / "b" / "ours"), observer=warnings)
    proc = kubectl_run(kubeconfig, "-n", ns, "cp", "evil:dst", str(sandbox / "a" / "b" / "theirs"))
    assert proc.returncode == 0
    assert sorted(p.relative_to(sandbox).as_posix() for p in sandbox.rglob("*")) == [
        "a", "a/b", "a/b/ours", "a/b/ours/link", "a/b/ours/link/through", "a/b/ours/ok",
        "a/b/theirs", "a/b/theirs/link", "a/b/theirs/link/through", "a/b/theirs/ok"]
    assert local_tree(sandbox / "a" / "b" / "ours") == local_tree(sandbox / "a" / "b" / "theirs")
    assert not (sandbox / "a" / "b" / "ours" / "link").is_symlink()
    kubectl_warnings = [line for line in proc.stderr.decode().splitlines() if line.startswith("warning:")]
    assert [w.split(" (consider")[0] for w in kubectl_warnings] == [
        w.replace("/ours", "/theirs") for w in warnings.lines]


def _wait_running(pods: Any, name: str) -> None:
    deadline = time.monotonic() + 60
    while (pods.get(name).get("status") or {}).get("phase") != "Running":
        assert time.monotonic() < deadline, f"pod {name} not Running after 60 s"
        time.sleep(0.1)
