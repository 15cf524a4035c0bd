"""-v=8 bodies in klog's shapes, and the hooks that log them from the transport."""

from __future__ import annotations

import logging

import pytest

from dynclient.cli.debuglog import (BodyLogger, body_text, credential_secrets, hex_dump, klog_bytes, klog_string,
                                    truncate_body)
from dynclient.config.auth import StaticToken
from dynclient.transport import RequestInfo, SendInfo

#: kubectl 1.32's ``auth can-i get configmaps -n vb-probe`` request (protobuf), and its -v=8 dump of it.
CAN_I = bytes.fromhex(
    "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a6563744163636573735265"
    "7669657712430a100a0012001a0022002a0032003800420012250a230a0876622d70726f626512036765741a0022002a0a636f6e"
    "6669676d61707332003a001a08080012001a0020001a002200")
CAN_I_DUMP = """\
00000000  6b 38 73 00 0a 32 0a 17  61 75 74 68 6f 72 69 7a  |k8s..2..authoriz|
00000010  61 74 69 6f 6e 2e 6b 38  73 2e 69 6f 2f 76 31 12  |ation.k8s.io/v1.|
00000020  17 53 65 6c 66 53 75 62  6a 65 63 74 41 63 63 65  |.SelfSubjectAcce|
00000030  73 73 52 65 76 69 65 77  12 43 0a 10 0a 00 12 00  |ssReview.C......|
00000040  1a 00 22 00 2a 00 32 00  38 00 42 00 12 25 0a 23  |..".*.2.8.B..%.#|
00000050  0a 08 76 62 2d 70 72 6f  62 65 12 03 67 65 74 1a  |..vb-probe..get.|
00000060  00 22 00 2a 0a 63 6f 6e  66 69 67 6d 61 70 73 32  |.".*.configmaps2|
00000070  00 3a 00 1a 08 08 00 12  00 1a 00 20 00 1a 00 22  |.:......... ..."|
00000080  00                                                |.|
"""


@pytest.mark.parametrize("value,text", [
    ('{"a":1}', '"{\\"a\\":1}"'),
    ('{"a":1}\n', '<\n\t{"a":1}\n >'),
    ("one\ntwo", "<\n\tone\n\ttwo\n >"),
], ids=["one-line", "trailing-newline", "no-trailing-newline"])
def test_klog_string(value, text):
    assert klog_string(value) == text


@pytest.mark.parametrize("value,text", [
    (b'{"a":"\xc3\xa9"}', '"{\\"a\\":\\"\u00e9\\"}"'),
    (b'{"a":"\xc3', '"{\\"a\\":\\"\\xc3"'),  # cut inside a UTF-8 sequence: strconv.Quote's \\x escape
    (b"\x7f", '"\\x7f"'),
    (b'{"a":1}\n', '<\n\t{"a":1}\n >'),
], ids=["utf-8", "cut-utf-8", "control", "block"])
def test_klog_bytes(value, text):
    assert klog_bytes(value) == text


@pytest.mark.parametrize("verbosity,length,suffix", [(8, 1024, " [truncated 10976 chars]"),
                                                      (9, 10240, " [truncated 1760 chars]"), (10, 12000, "")])
def test_truncation(verbosity, length, suffix):
    body = "x" * 12000
    assert truncate_body(body, verbosity) == "x" * length + suffix


def test_truncation_counts_bytes_as_go_does():
    # 600 two-byte characters are 1200 bytes: cut at byte 1024, 176 bytes counted as cut.
    assert body_text("é".encode() * 600, 8) == "é".encode() * 512 + b" [truncated 176 chars]"


@pytest.mark.parametrize("data,dump", [
    (CAN_I, CAN_I_DUMP),
    (b"", ""),
    (bytes(range(16)), "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"),
    (b"\x00abcdefgh", "00000000  00 61 62 63 64 65 66 67  68                       |.abcdefgh|\n"),
], ids=["kubectl-can-i", "empty", "one-line", "past-the-middle"])
def test_hex_dump_is_gos(data, dump):
    assert hex_dump(data) == dump


def test_binary_bodies_are_dumped_and_text_is_not():
    assert body_text(CAN_I, 10) == CAN_I_DUMP.encode()
    assert body_text(b'{"a":"\\t"}\n', 10) == b'{"a":"\\t"}\n'  # a newline (0x0a) is no binary mark
    assert body_text(b"a\tb", 10) == b"00000000  61 09 62                                          |a.b|\n"


def _messages(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "dynclient.cli"]


class _FakeTransport:
    def __init__(self):
        self.hooks, self.send_hooks = [], []

    def add_hook(self, hook):
        self.hooks.append(hook)

    def add_send_hook(self, hook):
        self.send_hooks.append(hook)


def _reply(body, status=200):
    return RequestInfo("GET", "https://k/api", status, 0.01, 1, body=body)


@pytest.mark.parametrize("verbosity,send,reply,lines", [
    (7, SendInfo("GET", "https://k/api", b""), _reply(b"{}"), []),
    (8, SendInfo("GET", "https://k/api", b""), _reply(b"{}\n"),
     ['"Request Body" body=""', '"Response Body" body=<\n\t{}\n >']),
    (8, SendInfo("POST", "https://k/api", b'{"a":1}'), _reply(b'{"kind":"Status"}', 409),
     ['"Request Body" body="{\\"a\\":1}"', '"Response Body" body="{\\"kind\\":\\"Status\\"}"']),
    (8, SendInfo("GET", "https://k/api?watch=true", b""), _reply(None), ['"Request Body" body=""']),
], ids=["nothing-below-v8", "get", "error-reply", "stream-has-no-response-body"])
def test_body_logger(caplog, verbosity, send, reply, lines):
    caplog.set_level(logging.DEBUG, logger="dynclient.cli")
    transport = _FakeTransport()
    BodyLogger(verbosity).install(transport)
    for hook in transport.send_hooks:
        hook(send)
    for hook in transport.hooks:
        hook(reply)
    assert _messages(caplog) == lines


def test_the_credential_is_masked_in_bodies(caplog):
    caplog.set_level(logging.DEBUG, logger="dynclient.cli")
    token = "s3cr3t-t0ken-value"
    logger = BodyLogger(8, lambda: credential_secrets(StaticToken(token)))
    logger.on_send(SendInfo("POST", "https://k/x", f'{{"spec":{{"token":"{token}"}}}}'.encode()))
    logger.on_reply(_reply(f'{{"status":{{"token":"{token}"}}}}\n'.encode()))
    messages = _messages(caplog)
    assert len(messages) == 2 and all(token not in m and "<masked>" in m for m in messages)


@pytest.mark.parametrize("auth,secrets", [
    (None, ()),
    (StaticToken("abcdefgh"), ("abcdefgh",)),
], ids=["no-credentials", "bearer"])
def test_credential_secrets(auth, secrets):
    assert credential_secrets(auth) == secrets


def test_a_failing_credential_masks_nothing_and_raises_nothing():
    class Broken:
        def headers(self):
            raise RuntimeError("plugin failed")

    assert credential_secrets(Broken()) == ()


def test_a_retried_attempts_reply_is_not_logged(caplog):
    # client-go logs the reply of the attempt it keeps; a 503 it retries after Retry-After never reaches the log.
    caplog.set_level(logging.DEBUG, logger="dynclient.cli")
    logger = BodyLogger(8)
    logger.on_reply(RequestInfo("GET", "https://k/x", 503, 0.01, 1, body=b'{"code":503}', retrying=True))
    logger.on_reply(RequestInfo("GET", "https://k/x", 200, 0.01, 2, body=b"{}"))
    assert _messages(caplog) == ['"Response Body" body="{}"']
