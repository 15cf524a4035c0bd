"""``dynclient cp``'s own rules (``dynclient.cli.cp``), with the copy replaced: kubectl's exit codes, streams and
lines for what a copy reports. The bytes against kubectl itself are in tests/integration/pods/test_cli_cp.py."""

from __future__ import annotations

import argparse
import io
from typing import Any, Dict, List, Optional

import pytest

from dynclient.cli import cp
from dynclient.cli.manifest_files import KubectlError
from dynclient.pods.copy import CopyReport
from dynclient.pods.copyerrors import RemoteCommandFailed
from dynclient.pods.errors import ContainerNotFound
from dynclient.pods.tarsafe import OUTSIDE, SYMLINK, Extracted, Skipped


class FakeSession:
    def __init__(self) -> None:
        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        self.namespace = "default"
        self.asked: List[str] = []

    def client(self) -> Any:
        session = self

        class Resource:
            def namespace(self, ns: str) -> str:
                session.asked.append(ns)
                return f"pods in {ns}"

        class Client:
            def resource(self, gvr: Any) -> Resource:
                assert (gvr.group, gvr.version, gvr.resource) == ("", "v1", "pods")
                return Resource()

        return Client()


def args(*positional: str, container: str = "", no_preserve: bool = False, retries: int = 0) -> argparse.Namespace:
    return argparse.Namespace(args=list(positional), container=container, no_preserve=no_preserve, retries=retries)


def extracted(complete: bool) -> Extracted:
    return Extracted(0, 0, 0, (), complete)


@pytest.mark.parametrize("report,code,stderr", [
    (CopyReport(0, b"", extracted(True)), 0, ""),
    (CopyReport(2, b"tar: x: Cannot stat\n", extracted(True)), 0, ""),  # kubectl never sees the status
    (CopyReport(2, b"", extracted(False)), 2, "command terminated with exit code 2\n"),
    (CopyReport(127, b"", None), 127, "command terminated with exit code 127\n"),
], ids=["ok", "failed-after-the-archive-end", "failed-before-the-end", "no-stream-at-all"])
def test_from_pod_exit_code_is_kubectls(monkeypatch: pytest.MonkeyPatch, report: CopyReport, code: int,
                                        stderr: str) -> None:
    calls: List[Dict[str, Any]] = []

    def fake(rc: Any, name: str, remote: str, local: str, container: Optional[str], **kw: Any) -> CopyReport:
        calls.append(dict(rc=rc, name=name, remote=remote, local=local, container=container, **kw))
        return report

    monkeypatch.setattr(cp, "copy_from", fake)
    session = FakeSession()
    assert cp.run(session, args("ns1/p:/a/b/", "out/", container="c", retries=3)) == code
    assert session.stderr.getvalue() == stderr
    assert calls[0]["rc"] == "pods in ns1" and calls[0]["retries"] == 3 and calls[0]["check"] is False
    assert (calls[0]["name"], calls[0]["remote"], calls[0]["local"], calls[0]["container"]) == ("p", "/a/b", "out", "c")


def test_to_pod_failure_exits_with_the_remote_code(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(*a: Any, **kw: Any) -> None:
        raise RemoteCommandFailed(2, b"")

    monkeypatch.setattr(cp, "copy_to", fake)
    session = FakeSession()
    assert cp.run(session, args("src", "p:x")) == 2
    assert session.stderr.getvalue() == "command terminated with exit code 2\n"
    assert session.asked == ["default"]


def test_named_container_missing_reads_as_the_servers_400(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(*a: Any, **kw: Any) -> None:
        raise ContainerNotFound("container zz is not valid for pod p", namespace="n", pod="p", container="zz",
                                containers=["a"])

    monkeypatch.setattr(cp, "copy_to", fake)
    session = FakeSession()
    assert cp.run(session, args("src", "p:x", container="zz")) == 1
    assert session.stderr.getvalue() == "Error from server (BadRequest): container zz is not valid for pod p\n"


@pytest.mark.parametrize("argv,message", [
    (["a"], "source and destination are required"),
    (["p:a", "q:b"], "one of src or dest must be a local file specification"),
    (["a", "b"], "one of src or dest must be a remote file specification"),
    (["", "p:x"], "filepath can not be empty"),
    ([":x", "y"], "filespec must match the canonical format: [[namespace/]pod:]file/path"),
], ids=["one-argument", "both-remote", "both-local", "empty", "bad-spec"])
def test_refusals_before_any_request(argv: List[str], message: str) -> None:
    session = FakeSession()
    with pytest.raises(KubectlError) as err:
        cp.run(session, args(*argv))
    assert str(err.value) == message and session.asked == []


@pytest.mark.parametrize("to_pod,notice_on,stderr_on", [(True, "stderr", "stderr"), (False, "stdout", "stdout")],
                         ids=["to-pod", "from-pod"])
def test_printer_puts_each_line_where_kubectl_does(to_pod: bool, notice_on: str, stderr_on: str) -> None:
    session = FakeSession()
    printer = cp._Printer(session, to_pod=to_pod, namespace="", pod="p", src="dir")
    printer.notice('Defaulted container "a" out of: a, b')
    printer.remote_output(b"", b"tar: Removing leading `/' from member names\n")
    streams = {"stdout": session.stdout.getvalue(), "stderr": session.stderr.getvalue()}
    assert 'Defaulted container "a" out of: a, b\n' in streams[notice_on]
    assert "tar: Removing leading `/' from member names\n" in streams[stderr_on]


def test_printer_hints_once_at_the_first_symlink() -> None:
    session = FakeSession()
    printer = cp._Printer(session, to_pod=False, namespace="", pod="p", src="d ir")
    printer.skipped(Skipped(OUTSIDE, "x", "d ir/../x"))
    printer.skipped(Skipped(SYMLINK, "o/l", "d ir/l", "/etc"))
    printer.skipped(Skipped(SYMLINK, "o/m", "d ir/m", "a"))
    printer.resuming(100, 1, 2)
    printer.dropping(2)
    assert session.stderr.getvalue() == (
        'warning: file "x" is outside target destination, skipping\n'
        'warning: skipping symlink: "o/l" -> "/etc" (consider using "kubectl exec -n "" "p" -- tar cf - "d ir" '
        '| tar xf -")\n'
        + 'warning: skipping symlink: "o/m" -> "a"\n')
    assert session.stdout.getvalue() == "Resuming copy at 100 bytes, retry 1/2\nDropping out copy after 2 retries\n"
