"""copy_to / copy_from (``dynclient.pods.copy``) through the executor seam.

``LocalExec`` is a "container" in a temp directory that runs commands as the harness's fake kubelet does, so
real GNU tar sits on the far end; ``CannedExec`` replays streams cut, broken or failed, for ``--retries`` and
the exit-status rules.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from discovery.errors import TransportError
from dynclient.pods import copy
from dynclient.pods.copy import CopyObserver, default_container
from dynclient.pods.copyerrors import LocalSourceMissing, RemoteCommandFailed, TarStreamError
from dynclient.pods.tarsafe import OUTSIDE, SYMLINK
from tests.dynclient.pods.copy_fakes import CannedExec, FakeSession, LocalExec


class Recorder(CopyObserver):
    def __init__(self) -> None:
        self.events: List[Tuple[Any, ...]] = []

    def notice(self, text: str) -> None:
        self.events.append(("notice", text))

    def skipped(self, item: Any) -> None:
        self.events.append(("skipped", item.kind, item.path))

    def remote_output(self, stdout: bytes, stderr: bytes) -> None:
        if stdout or stderr:
            self.events.append(("output", stdout, stderr))

    def resuming(self, offset: int, attempt: int, retries: int) -> None:
        self.events.append(("resuming", offset, attempt, retries))

    def dropping(self, attempts: int) -> None:
        self.events.append(("dropping", attempts))


def tree_of(root: Path) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            out[rel] = ("link", os.readlink(p)) if p.is_symlink() else ("dir",) if p.is_dir() else p.read_bytes()
    return out


@pytest.fixture
def src(tmp_path: Path) -> Path:
    s = tmp_path / "local" / "src"
    (s / "nested" / "deeper").mkdir(parents=True)
    (s / "empty").mkdir()
    (s / "bin.dat").write_bytes(os.urandom(70_000) + b"\x00\xff")
    (s / "with space ü.txt").write_bytes("ünïcödé\n".encode())
    (s / "nested" / "deeper" / "leaf").write_bytes(b"leaf")
    return s


@pytest.fixture
def ctr(tmp_path: Path) -> LocalExec:
    root = tmp_path / "container"
    root.mkdir()
    return LocalExec(str(root))


def test_tree_to_a_new_path_and_back(src: Path, ctr: LocalExec, tmp_path: Path) -> None:
    report = copy.copy_to(None, "p", str(src), "dst", executor=ctr)
    assert ctr.calls == [["test", "-d", "dst"], ["tar", "-xmf", "-", "-C", "."]]
    assert (report.exit_code, report.remote_path) == (0, "dst")
    assert tree_of(Path(ctr.root) / "dst") == tree_of(src)
    back = copy.copy_from(None, "p", "dst", str(tmp_path / "back"), executor=ctr)
    assert ctr.calls[-1] == ["tar", "cf", "-", "dst"]
    assert tree_of(tmp_path / "back") == tree_of(src)
    assert back.extracted is not None and back.extracted.complete and back.skipped == ()


@pytest.mark.parametrize("local,remote,command_dir,lands", [
    ("src", "dst", "dst", "dst/src"),            # an existing directory gets the source by its name
    ("src/.", "dst", ".", "dst"),               # ... its content with "/."
    ("src/", "dst/", "dst", "dst/src"),
    ("src/with space ü.txt", "dst", "dst", "dst/with space ü.txt"),
    ("src/with space ü.txt", "dst/f", "dst", "dst/f"),
], ids=["dir-into-dir", "dot-into-dir", "trailing-slashes", "file-into-dir", "file-to-new-name"])
def test_existing_directory_receives_the_source(src: Path, ctr: LocalExec, monkeypatch: pytest.MonkeyPatch,
                                                local: str, remote: str, command_dir: str, lands: str) -> None:
    (Path(ctr.root) / "dst").mkdir()
    monkeypatch.chdir(src.parent)
    report = copy.copy_to(None, "p", local, remote, executor=ctr)
    assert ctr.calls[-1] == ["tar", "-xmf", "-", "-C", command_dir]
    assert report.remote_path == lands
    target = Path(ctr.root) / lands
    if (src.parent / local).is_dir():
        assert tree_of(target) == tree_of(src)
    else:
        assert target.read_bytes() == (src.parent / local).read_bytes()


def test_no_preserve_asks_tar_not_to(src: Path, ctr: LocalExec) -> None:
    copy.copy_to(None, "p", str(src), "dst", executor=ctr, no_preserve=True)
    assert ctr.calls[-1] == ["tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-", "-C", "."]


def test_missing_local_source_asks_nothing(ctr: LocalExec, tmp_path: Path) -> None:
    with pytest.raises(LocalSourceMissing, match=r"^.*/nope doesn't exist in local filesystem$"):
        copy.copy_to(None, "p", str(tmp_path / "nope") + "/", "x", executor=ctr)
    assert ctr.calls == []


@pytest.mark.parametrize("call", [
    lambda ex: copy.copy_to(None, "p", "", "x", executor=ex), lambda ex: copy.copy_from(None, "p", "x", "", executor=ex),
], ids=["to", "from"])
def test_empty_path_is_refused(ctr: LocalExec, call: Any) -> None:
    with pytest.raises(ValueError, match="^filepath can not be empty$"):
        call(ctr)


def test_remote_tar_failure_is_raised_or_reported(src: Path, ctr: LocalExec) -> None:
    with pytest.raises(RemoteCommandFailed) as err:
        copy.copy_to(None, "p", str(src), "no/such/dir", executor=ctr)
    assert (str(err.value), err.value.exit_code) == ("command terminated with exit code 2", 2)
    assert b"Cannot open: No such file or directory" in err.value.stderr
    report = copy.copy_to(None, "p", str(src), "no/such/dir", executor=ctr, check=False)
    assert report.exit_code == 2


def test_notice_and_remote_output_reach_the_observer(src: Path, tmp_path: Path) -> None:
    ex = LocalExec(str(tmp_path), notice='Defaulted container "a" out of: a, b')
    seen = Recorder()
    copy.copy_from(None, "p", str(src), str(tmp_path / "o"), executor=ex, observer=seen)
    assert seen.events == [("notice", 'Defaulted container "a" out of: a, b'),
                           ("output", b"", b"tar: Removing leading `/' from member names\n")]


def test_copy_from_skips_symlinks_and_reports_them(src: Path, ctr: LocalExec, tmp_path: Path) -> None:
    (src / "link").symlink_to("/etc/passwd")
    copy.copy_to(None, "p", str(src), "dst", executor=ctr)
    seen = Recorder()
    report = copy.copy_from(None, "p", "dst", str(tmp_path / "o"), executor=ctr, observer=seen)
    assert ("skipped", SYMLINK, str(tmp_path / "o" / "link")) in seen.events
    assert not (tmp_path / "o" / "link").exists() and report.skipped[0].link == "/etc/passwd"


def test_missing_remote_source(ctr: LocalExec, tmp_path: Path) -> None:
    """GNU tar still writes an (empty) archive: the extraction completes, the status says what failed."""
    with pytest.raises(RemoteCommandFailed) as err:
        copy.copy_from(None, "p", "nope", str(tmp_path / "o"), executor=ctr)
    assert err.value.exit_code == 2 and b"nope: Cannot stat" in err.value.stderr
    report = copy.copy_from(None, "p", "nope", str(tmp_path / "o"), executor=ctr, check=False)
    assert report.exit_code == 2 and report.extracted is not None and report.extracted.complete
    assert not (tmp_path / "o").exists()


def test_hostile_member_from_an_absolute_source_is_skipped(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name in ("tmp/x/ok", "tmp/x/../evil"):
            info = tarfile.TarInfo(name)
            info.size = 2
            tf.addfile(info, io.BytesIO(b"hi"))
    seen = Recorder()
    copy.copy_from(None, "p", "/tmp/x", str(tmp_path / "o"), executor=CannedExec(FakeSession(buf.getvalue())),
                   observer=seen)
    assert (tmp_path / "o" / "ok").read_bytes() == b"hi" and not (tmp_path / "evil").exists()
    assert seen.events == [("skipped", OUTSIDE, str(tmp_path / "evil"))]


def _stream(tmp_path: Path) -> bytes:
    d = tmp_path / "made"
    d.mkdir()
    (d / "a").write_bytes(os.urandom(40_000))
    (d / "b").write_bytes(os.urandom(30_000))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        tf.add(str(d), arcname="d")
    return buf.getvalue()


@pytest.mark.parametrize("first", [
    dict(code=0), dict(broken=TransportError("wss://x: the stream broke before the command ended")),
], ids=["ended-early", "broke"])
def test_retries_resume_at_the_byte_where_the_stream_stopped(tmp_path: Path, first: Dict[str, Any]) -> None:
    data = _stream(tmp_path)
    cut = 25_000
    ex = CannedExec(FakeSession(data[:cut], cut=4096, **first), FakeSession(data[cut:]))
    seen = Recorder()
    report = copy.copy_from(None, "p", "d", str(tmp_path / "o"), executor=ex, retries=2, observer=seen)
    assert ex.calls == [["sh", "-c", "tar cf - 'd' | tail -c+0"], ["sh", "-c", f"tar cf - 'd' | tail -c+{cut + 1}"]]
    assert seen.events == [("resuming", cut, 1, 2)]
    assert tree_of(tmp_path / "o") == tree_of(tmp_path / "made")
    assert report.attempts == 2 and report.extracted is not None and report.extracted.complete


def test_retries_run_out(tmp_path: Path) -> None:
    data = _stream(tmp_path)
    ex = CannedExec(FakeSession(data[:10_000]), FakeSession(data[10_000:20_000]))
    seen = Recorder()
    with pytest.raises(TarStreamError, match="^unexpected EOF$"):
        copy.copy_from(None, "p", "d", str(tmp_path / "o"), executor=ex, retries=1, observer=seen)
    assert seen.events == [("resuming", 10_000, 1, 1), ("dropping", 1)]


def test_negative_retries_never_give_up(tmp_path: Path) -> None:
    data = _stream(tmp_path)
    pieces = [data[i:i + 9000] for i in range(0, len(data), 9000)]
    ex = CannedExec(*(FakeSession(p) for p in pieces))
    report = copy.copy_from(None, "p", "d", str(tmp_path / "o"), executor=ex, retries=-1)
    assert tree_of(tmp_path / "o") == tree_of(tmp_path / "made")
    # the last pieces hold only the end-of-archive padding: the extraction is done before them
    assert 70_000 // 9000 < report.attempts == len(ex.calls) <= len(pieces)


def test_broken_stream_without_retries_is_raised(tmp_path: Path) -> None:
    data = _stream(tmp_path)
    broke = TransportError("wss://x: the stream broke before the command ended")
    with pytest.raises(TransportError, match="the stream broke"):
        copy.copy_from(None, "p", "d", str(tmp_path / "o"), executor=CannedExec(FakeSession(data[:5000], broken=broke)))


def test_failed_command_with_no_stream_is_its_status_not_unexpected_eof(tmp_path: Path) -> None:
    ex = CannedExec(FakeSession(b"", b"sh: exec: tar: not found\n", code=127))
    with pytest.raises(RemoteCommandFailed) as err:
        copy.copy_from(None, "p", "d", str(tmp_path / "o"), executor=ex)
    assert err.value.exit_code == 127
    ex = CannedExec(FakeSession(_stream(tmp_path)[:3000], b"tar: d/a: Read error\n", code=2))
    report = copy.copy_from(None, "p", "d", str(tmp_path / "o2"), executor=ex, check=False)
    assert report.exit_code == 2 and report.extracted is None


def test_stream_cut_between_members_with_success_drops_out_quietly(tmp_path: Path) -> None:
    """kubectl's default (no retries): the stream's end at a member boundary is the end ("Dropping out ...")."""
    data = _stream(tmp_path)
    first_member_end = 512 + 40_448  # header + a's data padded
    seen = Recorder()
    report = copy.copy_from(None, "p", "d", str(tmp_path / "o"),
                            executor=CannedExec(FakeSession(data[:512 + first_member_end])), observer=seen)
    assert seen.events == [("dropping", 0)]
    assert report.extracted is not None and not report.extracted.complete and report.extracted.files == 1


def test_a_quote_in_the_source_is_escaped_for_sh(tmp_path: Path) -> None:
    root = tmp_path / "ctr"
    (root / "it's").mkdir(parents=True)
    (root / "it's" / "f").write_bytes(b"q")
    ex = LocalExec(str(root))
    copy.copy_from(None, "p", "it's", str(tmp_path / "o"), executor=ex, retries=1)
    assert ex.calls == [["sh", "-c", "tar cf - 'it'\\''s' | tail -c+0"]]
    assert (tmp_path / "o" / "f").read_bytes() == b"q"


@pytest.mark.parametrize("spec,annotations,want", [
    ({"containers": [{"name": "only"}]}, {}, ("only", "")),
    ({"containers": [{"name": "a"}, {"name": "b"}]}, {}, ("a", 'Defaulted container "a" out of: a, b')),
    ({"containers": [{"name": "a"}], "initContainers": [{"name": "i"}], "ephemeralContainers": [{"name": "e"}]},
     {}, ("a", 'Defaulted container "a" out of: a, e (ephem), i (init)')),
    ({"containers": [{"name": "a"}, {"name": "b"}]}, {"kubectl.kubernetes.io/default-container": "b"}, ("b", "")),
    ({"containers": [{"name": "a"}, {"name": "b"}]}, {"kubectl.kubernetes.io/default-container": "zz"},
     ("a", 'Defaulted container "a" out of: a, b')),
], ids=["one", "two", "init-and-ephemeral", "annotation", "annotation-unknown"])
def test_default_container_is_kubectls(spec: Dict[str, Any], annotations: Dict[str, str], want: Tuple[str, str]) -> None:
    pod = {"metadata": {"name": "p", "namespace": "n", "annotations": annotations}, "spec": spec}
    assert default_container(pod) == want
