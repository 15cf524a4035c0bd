"""delete's flag handling in kubectl's terms (no server needed)."""

from __future__ import annotations

import argparse
import io

import pytest

from dynclient.cli.delete import cascade_policy, deleted_line, parse_duration, _options
from dynclient.cli.manifest_files import KubectlError


@pytest.mark.parametrize("value,policy,warned", [
    ("background", "Background", False), ("foreground", "Foreground", False), ("orphan", "Orphan", False),
    ("true", "Background", True), ("false", "Orphan", True), ("1", "Background", True), ("F", "Orphan", True),
], ids=["background", "foreground", "orphan", "true", "false", "one", "F"])
def test_cascade_policy(value, policy, warned):
    warnings = []
    assert cascade_policy(value, warnings.append) == policy
    assert bool(warnings) == warned
    if warned:
        assert warnings[0].startswith(f"warning: --cascade={value} is deprecated (boolean value)")


def test_bad_cascade():
    with pytest.raises(KubectlError, match=r'invalid cascade value \(Orphan\). Must be "background", "foreground"'):
        cascade_policy("Orphan")


@pytest.mark.parametrize("text,seconds", [("0", 0), ("0s", 0), ("30s", 30), ("1m30s", 90), ("2h", 7200),
                                          ("500ms", 0.5), ("1.5s", 1.5)], ids=lambda v: str(v))
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5", "x", "1d", "-"])
def test_bad_duration(text):
    with pytest.raises(KubectlError, match="invalid duration"):
        parse_duration(text)


class _Session:
    explicit_namespace = None
    all_namespaces = False

    def __init__(self):
        self.stderr = io.StringIO()


def _args(**kw):
    base = dict(filename=[], args=["cm", "x"], cascade="background", dry_run="none", grace_period=-1, now=False,
                force=False, all=False, selector="", field_selector="", output="", ignore_not_found=None,
                wait=True, timeout="0s")
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.mark.parametrize("kw,grace,operation,wait", [
    ({}, -1, "deleted", True),
    ({"now": True}, 1, "deleted", True),
    ({"grace_period": 0}, 1, "deleted", True),
    ({"force": True}, 0, "force deleted", True),
    ({"dry_run": "server"}, -1, "deleted (server dry run)", False),
    ({"dry_run": "client"}, -1, "deleted (dry run)", False),
    ({"wait": False}, -1, "deleted", False),
], ids=["default", "now", "grace-zero-means-one", "force", "server-dry-run", "client-dry-run", "no-wait"])
def test_options(kw, grace, operation, wait):
    opts = _options(_Session(), _args(**kw))
    assert (opts.grace, opts.operation, opts.wait, opts.policy) == (grace, operation, wait, "Background")


@pytest.mark.parametrize("kw,message", [
    ({"now": True, "grace_period": 3}, "--now and --grace-period cannot be specified together"),
    ({"force": True, "grace_period": 5}, "--force and --grace-period greater than 0 cannot be specified together"),
    ({"filename": ["x.yaml"]}, "you may not specify resource arguments as well"),
    ({"output": "json"}, "unexpected -o output mode: json. We only support '-o name'"),
    ({"dry_run": "bogus"}, 'Invalid dry-run value (bogus). Must be "none", "server", or "client".'),
], ids=["now-and-grace", "force-and-grace", "file-and-names", "output", "dry-run"])
def test_option_errors(kw, message):
    with pytest.raises(KubectlError) as info:
        _options(_Session(), _args(**kw))
    assert message in str(info.value)


def test_force_warns_like_kubectl():
    session = _Session()
    _options(session, _args(force=True))
    assert session.stderr.getvalue().startswith("Warning: Immediate deletion does not wait for confirmation")


@pytest.mark.parametrize("kw,ignore", [({}, False), ({"selector": "a=b"}, True), ({"all": True}, True),
                                       ({"all": True, "ignore_not_found": False}, False)],
                         ids=["names", "selector", "all", "explicit-false"])
def test_ignore_not_found_defaults(kw, ignore):
    assert _options(_Session(), _args(**kw)).ignore_not_found is ignore


def test_deleted_line_with_operation():
    assert deleted_line("Deployment", "apps", "web", "deleted (server dry run)") == \
        'deployment.apps "web" deleted (server dry run)'
