"""The remotecommand channel protocol on bytes alone: framing, resize, close and the error channel's Status."""

from __future__ import annotations

import json

import pytest

from discovery.errors import BadRequest, InternalError, StatusError
from dynclient.pods import KubeletUnreachable, StreamProtocolError
from dynclient.pods import channels


def status(**fields):
    return json.dumps(fields).encode()


@pytest.mark.parametrize("channel, data, wire", [
    pytest.param(channels.STDIN, b"hello\n", b"\x00hello\n", id="stdin"),
    pytest.param(channels.STDIN, b"", b"\x00", id="stdin-empty"),
    pytest.param(channels.STDIN, memoryview(b"\x00\xff"), b"\x00\x00\xff", id="binary-memoryview"),
])
def test_frame(channel, data, wire):
    assert channels.frame(channel, data) == wire


def test_close_frame_is_255_then_the_channel():
    assert channels.close_frame() == b"\xff\x00"
    assert channels.close_frame(channels.STDIN) == bytes([255, 0])


@pytest.mark.parametrize("width, height, wire", [
    pytest.param(80, 24, b'\x04{"Width":80,"Height":24}', id="80x24"),
    pytest.param(0, 0, b'\x04{"Width":0,"Height":0}', id="zero"),
    pytest.param(65535, 1, b'\x04{"Width":65535,"Height":1}', id="uint16-max"),
])
def test_resize_frame_is_client_go_terminal_size(width, height, wire):
    assert channels.resize_frame(width, height) == wire


@pytest.mark.parametrize("width, height", [pytest.param(-1, 24, id="negative"), pytest.param(80, 65536, id="big")])
def test_resize_out_of_range(width, height):
    with pytest.raises(ValueError):
        channels.resize_frame(width, height)


@pytest.mark.parametrize("message, expected", [
    pytest.param(b"\x01out", (1, b"out"), id="stdout"),
    pytest.param(b"\x02", (2, b""), id="stderr-empty-first-frame"),
    pytest.param(bytearray(b"\x03{}"), (3, b"{}"), id="bytearray"),
])
def test_split(message, expected):
    assert channels.split(message) == expected


@pytest.mark.parametrize("message", [pytest.param(b"", id="empty"), pytest.param("1abc", id="text")])
def test_split_refuses(message):
    with pytest.raises(StreamProtocolError):
        channels.split(message)


@pytest.mark.parametrize("protocol, close", [
    pytest.param(channels.V5, True, id="v5"), pytest.param(channels.V4, False, id="v4"),
    pytest.param(None, False, id="none"),
])
def test_only_v5_half_closes(protocol, close):
    assert channels.supports_close(protocol) is close


def test_v5_is_offered_first():
    assert channels.PROTOCOLS == ("v5.channel.k8s.io", "v4.channel.k8s.io")


EXIT_3 = status(metadata={}, status="Failure", message="command terminated with non-zero exit code: exit status 3",
                reason="NonZeroExitCode", details={"causes": [{"reason": "ExitCode", "message": "3"}]})


@pytest.mark.parametrize("data, code", [
    pytest.param(status(metadata={}, status="Success"), 0, id="success"),
    pytest.param(EXIT_3, 3, id="exit-3"),
    pytest.param(status(status="Failure", reason="NonZeroExitCode",
                        details={"causes": [{"reason": "Other", "message": "x"},
                                            {"reason": "ExitCode", "message": "255"}]}), 255, id="cause-not-first"),
])
def test_decode_exit(data, code):
    outcome = channels.decode_error(data)
    assert (outcome.exit_code, outcome.error) == (code, None)


@pytest.mark.parametrize("data, words", [
    pytest.param(b"not json", "error stream protocol error", id="not-json"),
    pytest.param(b"[1]", "not a Status", id="not-an-object"),
    pytest.param(status(status="Weird"), "unknown error", id="unknown-status"),
    pytest.param(status(status="Failure", reason="NonZeroExitCode"), "details must be set", id="no-details"),
    pytest.param(status(status="Failure", reason="NonZeroExitCode", details={"causes": []}), "no ExitCode cause",
                 id="no-cause"),
    pytest.param(status(status="Failure", reason="NonZeroExitCode",
                        details={"causes": [{"reason": "ExitCode", "message": "256"}]}), "invalid exit code",
                 id="code-over-255"),
    pytest.param(status(status="Failure", reason="NonZeroExitCode",
                        details={"causes": [{"reason": "ExitCode", "message": "-1"}]}), "invalid exit code",
                 id="negative-code"),
])
def test_decode_protocol_errors(data, words):
    with pytest.raises(StreamProtocolError, match=words):
        channels.decode_error(data, namespace="ns", pod="p")


@pytest.mark.parametrize("fields, cls", [
    pytest.param({"code": 500, "reason": "InternalError",
                  "message": "Internal error occurred: error dialing backend: dial tcp 127.0.0.1:1: connect: "
                             "connection refused"}, KubeletUnreachable, id="dial-refused"),
    pytest.param({"code": 500, "message": "Internal error occurred: x509: certificate signed by unknown authority"},
                 KubeletUnreachable, id="kubelet-tls"),
    pytest.param({"code": 500, "reason": "InternalError", "message": "Internal error occurred: no command given"},
                 InternalError, id="internal-not-dial"),
    pytest.param({"code": 400, "reason": "BadRequest", "message": "container x is not valid for pod p"},
                 BadRequest, id="bad-request"),
    pytest.param({"message": "something"}, StatusError, id="no-code"),
])
def test_decode_refusals(fields, cls):
    outcome = channels.decode_error(status(status="Failure", **fields), namespace="ns", pod="p")
    assert outcome.exit_code is None
    assert type(outcome.error) is cls or (cls is StatusError and isinstance(outcome.error, StatusError))
    if cls is KubeletUnreachable:
        assert str(outcome.error) == fields["message"]
        assert outcome.error.status["message"] == fields["message"]
        assert (outcome.error.namespace, outcome.error.pod) == ("ns", "p")
    else:
        assert outcome.error.message == fields["message"]
