"""kubectl's -v=7/8/9 request lines, written from the transport's hooks (dynclient.cli.requestlog)."""

from __future__ import annotations

import logging

import pytest

from dynclient.cli.debuglog import install
from dynclient.cli.requestlog import RequestLogger, curl_command
from dynclient.transport import RequestInfo, SendInfo

HEADERS = (("User-Agent", "dynclient/0.1.0"), ("Accept-Encoding", "gzip"), ("Accept", "application/json"),
           ("Authorization", "Bearer <masked>"))
SEND = SendInfo("GET", "https://k/api/v1/x", b"", "application/json", headers=HEADERS)
REPLY = RequestInfo("GET", "https://k/api/v1/x", 200, 0.0031, 1, reason="OK", body=b"{}",
                    headers=(("Content-Type", "application/json"), ("Content-Length", "2")))


class _FakeTransport:
    def __init__(self):
        self.hooks, self.send_hooks, self.log_requests = [], [], True

    def add_hook(self, hook):
        self.hooks.append(hook)

    def add_send_hook(self, hook):
        self.send_hooks.append(hook)


def test_curl_command_is_client_gos():
    assert curl_command("GET", "https://k/x?a=1", HEADERS) == (
        "curl -v -XGET  -H \"User-Agent: dynclient/0.1.0\" -H \"Accept: application/json\" "
        "-H \"Authorization: Bearer <masked>\" 'https://k/x?a=1'")


@pytest.mark.parametrize("verbosity, lines, own_line", [
    (6, [], True),
    (7, ["GET https://k/api/v1/x", "Request Headers:", "    User-Agent: dynclient/0.1.0",
         "    Accept: application/json", "    Authorization: Bearer <masked>",
         "Response Status: 200 OK in 3 milliseconds"], False),
    (8, ['"Request Body" body=""', "GET https://k/api/v1/x", "Request Headers:", "    User-Agent: dynclient/0.1.0",
         "    Accept: application/json", "    Authorization: Bearer <masked>",
         "Response Status: 200 OK in 3 milliseconds", "Response Headers:", "    Content-Type: application/json",
         "    Content-Length: 2", '"Response Body" body="{}"'], False),
    (9, ['"Request Body" body=""',
         "curl -v -XGET  -H \"User-Agent: dynclient/0.1.0\" -H \"Accept: application/json\" "
         "-H \"Authorization: Bearer <masked>\" 'https://k/api/v1/x'",
         "Response Headers:", "    Content-Type: application/json", "    Content-Length: 2",
         '"Response Body" body="{}"'], True),  # and the transport's own -v=6 line, between curl and headers
], ids=["v6-the-transports-line-only", "v7", "v8", "v9"])
def test_lines_in_kubectls_order(caplog, verbosity, lines, own_line):
    caplog.set_level(logging.DEBUG, logger="dynclient.cli")
    transport = _FakeTransport()
    install(transport, verbosity)
    for hook in transport.send_hooks:
        hook(SEND)
    for hook in transport.hooks:
        hook(REPLY)
    assert [r.getMessage() for r in caplog.records if r.name == "dynclient.cli"] == lines
    assert transport.log_requests is own_line


def test_no_reply_says_what_failed(caplog):
    caplog.set_level(logging.DEBUG, logger="dynclient.cli")
    RequestLogger(7).on_reply(RequestInfo("GET", "https://k/x", 0, 0.5, 1, error=ConnectionRefusedError()))
    assert [r.getMessage() for r in caplog.records] == ["GET https://k/x ConnectionRefusedError in 500 milliseconds"]


def test_a_retried_request_logs_its_url_each_attempt_and_its_body_once(caplog):
    caplog.set_level(logging.DEBUG, logger="dynclient.cli")
    transport = _FakeTransport()
    install(transport, 8)
    for attempt in (1, 2):
        for hook in transport.send_hooks:
            hook(SendInfo("POST", "https://k/x", b"{}", headers=(), attempt=attempt))
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count('"Request Body" body="{}"') == 1 and messages.count("POST https://k/x") == 2
