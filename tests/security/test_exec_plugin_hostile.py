"""Hostile and broken exec credential plugins (issue 13, item 4).

Each misbehaving plugin ends in one ExecPluginError in client-go's words that
names the plugin, in bounded time and memory, and is run once per process:
its failure is remembered until the kubeconfig changes. A plugin that hangs
is killed with its children.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest
import yaml

from dynclient.config import ExecPlugin, ExecPluginError, load_kubeconfig
from dynclient.config import exec_plugin
from dynclient.config.model import ExecConfig

from ..dynclient.config.helpers import TOKEN, assert_no_secret

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="the plugins are sh scripts")


@pytest.fixture(autouse=True)
def fresh_exec_cache() -> Iterator[None]:
    exec_plugin.forget_cached_credentials()
    yield
    exec_plugin.forget_cached_credentials()


def _script(tmp_path: Path, body: str, name: str = "hostile-plugin", mode: int = 0o755) -> Path:
    """An sh plugin that records each run in tmp_path/runs, then does ``body``."""
    path = tmp_path / "bin" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho run >> '{tmp_path}/runs'\n{body}\n")
    path.chmod(mode)
    return path


def _runs(tmp_path: Path) -> int:
    runs = tmp_path / "runs"
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def _kubeconfig(tmp_path: Path, exec_stanza: Dict[str, Any], *, server: str = "https://127.0.0.1:1") -> str:
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": "ctx",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "robot"}}],
        "users": [{"name": "robot", "user": {"exec": {"apiVersion": V1BETA1, **exec_stanza}}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


GOOD = f'{{"apiVersion": "{V1BETA1}", "kind": "ExecCredential", "status": {{"token": "{TOKEN}"}}}}'

# (id, script body, extra exec fields, whether stdin is a terminal, expected end of the message).
# Only the hanging plugin meets the timeout: the others get a generous one, for a loaded machine.
HOSTILE = [
    pytest.param("sleep 30", {}, False,
                 "exec: executable {cmd} did not finish within 1s; it was killed with its child processes",
                 id="hangs"),
    pytest.param("echo 'token: not json at all'", {}, False,
                 'exec plugin "{cmd}": decoding stdout: couldn\'t get version/kind; json parse error: '
                 "23 bytes that are not JSON (Expecting value, line 1 column 1)", id="garbage-output"),
    pytest.param("echo 'refresh token expired' >&2; exit 3", {}, False,
                 "exec: executable {cmd} failed with exit code 3 (stderr: refresh token expired)", id="non-zero-exit"),
    pytest.param("printf 'Password: ' >&2; read pw || { echo 'no terminal' >&2; exit 1; }; echo " + repr(GOOD),
                 {}, False, "exec: executable {cmd} failed with exit code 1 (stderr: Password: no terminal)",
                 id="prompts-for-stdin"),
    pytest.param("echo " + repr(GOOD), {"interactiveMode": "Always"}, False,
                 'exec plugin "{cmd}" cannot support interactive mode: standard input is not a terminal',
                 id="interactive-always-without-terminal"),
    pytest.param("exec head -c 52428800 /dev/zero", {}, False,
                 f"exec: executable {{cmd}} wrote more than {exec_plugin.MAX_OUTPUT} bytes to stdout; it was killed",
                 id="50-MB-of-output"),
    pytest.param("printf '%s' \"$(printf 'x%.0s' $(seq 1 5))\" >&2; printf '\\033[2J\\033]0;pwned\\007' >&2; exit 2",
                 {}, False, "exec: executable {cmd} failed with exit code 2 (stderr: xxxxxU+001B[2JU+001B]0;pwnedU+0007)",
                 id="terminal-escapes-on-stderr"),
    pytest.param(f'echo \'{{"apiVersion": "{V1BETA1}", "kind": "ExecCredential", "status": {{"token": "a\\\\nb"}}}}\'',
                 {}, False,
                 'the token of user "robot" returned by exec plugin "{cmd}" contains an invalid character, '
                 "a line feed (U+000A); it cannot be sent in an HTTP header", id="token-with-newline"),
]


@pytest.mark.parametrize("body, fields, tty, expected", HOSTILE)
def test_each_hostile_plugin_gets_one_line_naming_it(tmp_path, monkeypatch, body, fields, tty, expected) -> None:
    monkeypatch.setattr(exec_plugin, "DEFAULT_TIMEOUT", 1.0 if body.startswith("sleep") else 30.0)
    cmd = _script(tmp_path, body)
    kc = load_kubeconfig(_kubeconfig(tmp_path, {"command": str(cmd), **fields}))
    auth = kc.rest_config().auth
    auth._stdin_is_tty = lambda: tty
    start = time.monotonic()
    with pytest.raises(ExecPluginError) as info:
        auth.headers()
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert message == (f'kubeconfig {kc.sources[0]}: context "ctx": user "robot": getting credentials: '
                       + expected.format(cmd=cmd))
    assert "\n" not in message and "\x1b" not in message
    assert_no_secret(message)
    assert elapsed < 5, f"took {elapsed:.1f}s"


def test_missing_command_prints_the_install_hint_without_control_characters(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    hint = "Install it:\n  brew install kubelogin\x1b[2J\x1b]0;pwned\x07\x00 done"
    kc = load_kubeconfig(_kubeconfig(tmp_path, {"command": "kubectl-no-such-plugin", "installHint": hint}))
    with pytest.raises(ExecPluginError) as info:
        kc.rest_config().auth.headers()
    first, _, rest = str(info.value).partition("\n")
    assert first.endswith("getting credentials: exec: executable kubectl-no-such-plugin not found")
    assert "It looks like you are trying to use a client-go credential plugin that is not installed." in rest
    assert rest.endswith("Install it:\n  brew install kubeloginU+001B[2JU+001B]0;pwnedU+0007U+0000 done")
    assert not any(ch < " " and ch != "\n" for ch in rest)


@pytest.mark.parametrize(
    "mode, name, expected",
    [
        pytest.param(0o644, "hostile-plugin", "exec: fork/exec {path}: permission denied", id="no-execute-bit"),
        pytest.param(0o755, None, "exec: fork/exec {path}: permission denied", id="a-directory"),
    ],
)
def test_command_that_is_not_executable(tmp_path, mode, name, expected) -> None:
    path = _script(tmp_path, "echo hi", mode=mode) if name else tmp_path / "bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not name:
        path.mkdir(exist_ok=True)
    kc = load_kubeconfig(_kubeconfig(tmp_path, {"command": str(path)}))
    with pytest.raises(ExecPluginError) as info:
        kc.rest_config().auth.headers()
    assert str(info.value).endswith("getting credentials: " + expected.format(path=path))


def test_a_not_executable_file_on_path_is_skipped_as_go_does(tmp_path, monkeypatch) -> None:
    _script(tmp_path, "echo hi", name="plug", mode=0o644)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    kc = load_kubeconfig(_kubeconfig(tmp_path, {"command": "plug"}))
    with pytest.raises(ExecPluginError, match=r"getting credentials: exec: executable plug not found"):
        kc.rest_config().auth.headers()


def _state(pid: int) -> Optional[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_a_hanging_plugin_is_killed_with_its_children(tmp_path) -> None:
    cmd = _script(tmp_path, f"sleep 300 & echo $! > '{tmp_path}/child'\nsleep 300 & wait")
    auth = ExecPlugin(ExecConfig(command=str(cmd), api_version=V1, interactive_mode="Never"), timeout=2)
    with pytest.raises(ExecPluginError, match="did not finish within 2s"):
        auth.headers()
    child = int((tmp_path / "child").read_text())
    deadline = time.monotonic() + 5
    while _state(child) not in (None, "Z", "X") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _state(child) in (None, "Z", "X"), "the plugin's child is still running"


def test_a_plugin_that_leaves_a_child_holding_stdout_is_not_waited_for(tmp_path) -> None:
    # The plugin answers and exits; a daemon it started keeps the pipe open for 60 s.
    cmd = _script(tmp_path, f"echo '{GOOD}'\n(sleep 60 & echo $! > '{tmp_path}/daemon')")
    auth = ExecPlugin(ExecConfig(command=str(cmd), api_version=V1BETA1), timeout=30)
    start = time.monotonic()
    try:
        assert auth.headers() == {"Authorization": f"Bearer {TOKEN}"}
        assert time.monotonic() - start < 10
    finally:
        daemon = tmp_path / "daemon"
        if daemon.exists():
            try:
                os.kill(int(daemon.read_text()), 9)
            except ProcessLookupError:
                pass


def test_peak_memory_stays_bounded_with_50_MB_of_output(tmp_path) -> None:
    cmd = _script(tmp_path, "exec head -c 52428800 /dev/zero")
    probe = (
        "import resource, sys\n"
        "from dynclient.config import ExecPlugin, ExecPluginError\n"
        "from dynclient.config.model import ExecConfig\n"
        f"p = ExecPlugin(ExecConfig(command={str(cmd)!r}, api_version={V1BETA1!r}), timeout=30)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    p.headers()\nexcept ExecPluginError:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    grown_kib = int(out.stdout.split()[-1])
    assert grown_kib < 16 * 1024, f"peak memory grew by {grown_kib} KiB reading the plugin's output"


# -- run once per process, failures remembered until the kubeconfig changes ----------------


def test_a_failing_plugin_runs_once_for_many_requests_and_config_loads(tmp_path) -> None:
    cmd = _script(tmp_path, "exit 1")
    path = _kubeconfig(tmp_path, {"command": str(cmd)})
    errors = []

    def request() -> None:
        # Each "request" loads the config again, as repeated client construction does.
        try:
            load_kubeconfig(path).rest_config().auth.headers()
        except ExecPluginError as err:
            errors.append(str(err))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    request()
    assert _runs(tmp_path) == 1
    assert len(errors) == 9 and len(set(errors)) == 1


def test_a_hanging_plugin_costs_one_timeout_per_process(tmp_path) -> None:
    cmd = _script(tmp_path, "sleep 30")
    config = ExecConfig(command=str(cmd), api_version=V1BETA1)
    start = time.monotonic()
    for _ in range(4):
        with pytest.raises(ExecPluginError, match="did not finish within 0.5s"):
            ExecPlugin(config, user="robot", timeout=0.5).headers()
    assert _runs(tmp_path) == 1
    assert time.monotonic() - start < 3


def test_the_failure_is_forgotten_when_the_kubeconfig_changes(tmp_path) -> None:
    cmd = _script(tmp_path, f"test -f '{tmp_path}/fixed' || exit 1\necho '{GOOD}'")
    path = _kubeconfig(tmp_path, {"command": str(cmd)})
    with pytest.raises(ExecPluginError):
        load_kubeconfig(path).rest_config().auth.headers()
    (tmp_path / "fixed").touch()
    with pytest.raises(ExecPluginError):
        load_kubeconfig(path).rest_config().auth.headers()  # still remembered: the kubeconfig is the same
    assert _runs(tmp_path) == 1
    text = Path(path).read_text()
    Path(path).write_text(text + "# edited\n")
    assert load_kubeconfig(path).rest_config().auth.headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert _runs(tmp_path) == 2


def test_success_is_shared_by_every_config_load_of_the_process(tmp_path) -> None:
    cmd = _script(tmp_path, f"echo '{GOOD}'")
    path = _kubeconfig(tmp_path, {"command": str(cmd)})
    for _ in range(5):
        assert load_kubeconfig(path).rest_config().auth.headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert _runs(tmp_path) == 1


def test_the_cli_runs_a_failing_plugin_once_and_prints_one_line(tmp_path) -> None:
    cmd = _script(tmp_path, "echo 'expired' >&2; exit 4")
    path = _kubeconfig(tmp_path, {"command": str(cmd)})
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("KUBECONFIG", None)
    out = subprocess.run([sys.executable, "-m", "dynclient", "get", "configmaps", "--kubeconfig", path],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode != 0
    assert out.stderr == (f'error: kubeconfig {path}: context "ctx": user "robot": getting credentials: '
                          f"exec: executable {cmd} failed with exit code 4 (stderr: expired)\n")
    assert _runs(tmp_path) == 1
