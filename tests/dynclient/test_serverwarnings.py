"""dynclient.serverwarnings: client-go's Warning header parsing, and the two handlers."""

from __future__ import annotations

import io
import logging

import pytest

from dynclient.serverwarnings import LogOnce, WriteOnce, parse_warning_headers
from dynclient.transport import Transport

from .conftest import make_config


@pytest.mark.parametrize(
    "headers, texts",
    [
        (['299 - "deprecated"'], ["deprecated"]),
        (['299 - "with date" "Mon, 23 Nov 2026 10:00:00 GMT"'], ["with date"]),
        (['299 - "a", 299 - "b"'], ["a", "b"]),
        (['299 - "a"', '299 - "b"'], ["a", "b"]),
        (['299 - "quote \\" and backslash \\\\"'], ['quote " and backslash \\']),
        (['  299   -  "spaces"'], []),
        (['299 kube-apiserver "agent named"'], ["agent named"]),
        (['199 - "not 299"'], []),
        (['299 - ""'], []),
        (['299 - "unterminated'], []),
        (['299 - "ok", garbage', '299 - "next header still read"'], ["ok", "next header still read"]),
        (['29 - "short code"'], []),
        (['299 -'], []),
        (['299 - "ctl \x07 char"'], []),
        (['299 - "text" trailing'], []),
        (['299 - "ünïcode"'], ["ünïcode"]),
        ([], []),
    ],
    ids=["simple", "dated", "comma-list", "two-headers", "escapes", "extra-spaces", "named-agent", "other-code",
         "empty-text", "unterminated", "garbage-then-next-header", "short-code", "no-text", "control-char",
         "trailing-token", "unicode", "none"],
)
def test_parse_like_client_go(headers, texts):
    assert parse_warning_headers(headers) == texts


def test_write_once_prints_like_kubectl_and_deduplicates():
    out = io.StringIO()
    handler = WriteOnce(out)
    for text in ["v1 is deprecated", "v1 is deprecated", "another"]:
        handler(text)
    assert out.getvalue() == "Warning: v1 is deprecated\nWarning: another\n"


def test_log_once_logs_each_text_once(caplog):
    handler = LogOnce()
    with caplog.at_level(logging.WARNING, logger="dynclient.warnings"):
        for text in ["old", "old", "new"]:
            handler(text)
    assert [r.getMessage() for r in caplog.records if r.name == "dynclient.warnings"] == ["old", "new"]


@pytest.mark.parametrize("status", [200, 404], ids=["success", "error-reply"])
def test_transport_hands_warnings_to_the_handler_and_the_hooks(mock_server, status):
    body = {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404} if status == 404 else {}
    mock_server.add("GET", "/x", json=body, status=status,
                    headers=[("Warning", '299 - "first", 299 - "second"'), ("Warning", '299 - "first"')])
    seen, infos = [], []
    transport = Transport(make_config(mock_server.url), qps=0, warning_handler=seen.append, hooks=[infos.append])
    try:
        try:
            transport.request("GET", "/x")
        except Exception:
            assert status == 404
    finally:
        transport.close()
    assert seen == ["first", "second", "first"]  # the handler decides about duplicates
    assert infos[0].warnings == ("first", "second", "first")
