"""-v=8 response bodies in klog's shapes."""

from __future__ import annotations

import logging

import pytest

from dynclient.cli.debuglog import klog_string, log_response_body, truncate_body


@pytest.mark.parametrize("value,text", [
    ('{"a":1}', '"{\\"a\\":1}"'),
    ('{"a":1}\n', '<\n\t{"a":1}\n >'),
    ("one\ntwo", "<\n\tone\n\ttwo\n >"),
], ids=["one-line", "trailing-newline", "no-trailing-newline"])
def test_klog_string(value, text):
    assert klog_string(value) == text


@pytest.mark.parametrize("verbosity,length,suffix", [(8, 1024, " [truncated 10976 chars]"),
                                                      (9, 10240, " [truncated 1760 chars]"), (10, 12000, "")])
def test_truncation(verbosity, length, suffix):
    body = "x" * 12000
    assert truncate_body(body, verbosity) == "x" * length + suffix


def test_nothing_below_v8(caplog):
    caplog.set_level(logging.DEBUG, logger="dynclient.cli")
    log_response_body(b"{}", 7)
    assert caplog.records == []
    log_response_body(b"{}", 8)
    assert [r.getMessage() for r in caplog.records] == ['"Response Body" body="{}"']
