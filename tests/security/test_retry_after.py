"""A hostile or broken ``Retry-After`` (issue 13, item 6): client-go's rule, a bounded wait, never a crash.

client-go's ``retryAfterSeconds`` takes ``strconv.Atoi`` of the header and
otherwise acts as if there were none. So: a whole non-negative number of
seconds is honoured (capped at ``max_retry_wait``); ``nan``, ``inf``,
fractions, negatives, numbers past int64 and HTTP dates are ignored, and the
reply is then handled exactly as one without the header (a GET 5xx backs
off and retries; anything else is raised).
"""

from __future__ import annotations

import time
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynclient
from dynclient.transport import Transport, retry_after_seconds
from tests.dynclient.conftest import make_config

HOST = "http://k8s.test"
STATUS_429 = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 429, "reason": "TooManyRequests",
              "message": "slow down"}
HOSTILE = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "1.5", "-1", "-0.5", " ", "0x10", "１",
           "99999999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "5 seconds", "\u0665"]


@pytest.mark.parametrize(
    "value, seconds",
    [("0", 0), ("1", 1), ("+7", 7), ("30", 30), (" 12 ", 12), ("9223372036854775807", 2 ** 63 - 1),
     ("9223372036854775808", None), (None, None), ("", None)] + [(v, None) for v in HOSTILE],
    ids=lambda v: repr(v),
)
def test_only_whole_non_negative_seconds_count(value, seconds):
    assert retry_after_seconds(value) == seconds


def transport(sleep, **kw) -> Transport:
    return Transport(make_config(HOST), qps=0, sleep=sleep, **kw)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_hostile_header_on_a_write_is_as_if_absent(mocked_responses, value):
    """A POST's 429 with a bad header is not retried (no header means no promise), and is the server's error."""
    slept: List[float] = []
    mocked_responses.post(f"{HOST}/x", json=STATUS_429, status=429, headers={"Retry-After": value})
    t = transport(slept.append)
    try:
        with pytest.raises(dynclient.TooManyRequests) as info:
            t.request("POST", "/x", body={})
    finally:
        t.close()
    assert info.value.code == 429 and slept == []
    assert len(mocked_responses.calls) == 1


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_hostile_header_on_a_get_503_falls_back_to_backoff(mocked_responses, value):
    slept: List[float] = []
    mocked_responses.get(f"{HOST}/x", json=dict(STATUS_429, code=503, reason="ServiceUnavailable"), status=503,
                         headers={"Retry-After": value})
    mocked_responses.get(f"{HOST}/x", json={"ok": True})
    t = transport(slept.append)
    try:
        assert t.request("GET", "/x").json() == {"ok": True}
    finally:
        t.close()
    assert len(slept) == 1 and 0 <= slept[0] <= 5.0  # the ordinary jittered backoff, not the header


@pytest.mark.parametrize("value, wait", [("3600", 2.5), ("9223372036854775807", 2.5), ("2", 2.0), ("0", 0.0)],
                         ids=["hour", "int64-max", "under-cap", "zero"])
def test_the_wait_is_capped(mocked_responses, value, wait):
    slept: List[float] = []
    mocked_responses.post(f"{HOST}/x", json=STATUS_429, status=429, headers={"Retry-After": value})
    mocked_responses.post(f"{HOST}/x", json={"ok": True})
    t = transport(slept.append, max_retry_wait=2.5)
    try:
        assert t.request("POST", "/x", body={}).json() == {"ok": True}
    finally:
        t.close()
    assert slept == [wait]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_header_text_gives_none_or_a_whole_number(value):
    start = time.monotonic()
    seconds = retry_after_seconds(value)
    assert time.monotonic() - start < 0.1
    assert seconds is None or (isinstance(seconds, int) and 0 <= seconds < 2 ** 63)
    if seconds is not None:
        assert value.strip().lstrip("+").isdigit()
