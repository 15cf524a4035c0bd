"""discovery.fake: the dict-backed Requester shipped for tests."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from discovery.errors import NotAcceptable, NotFound, ServiceUnavailable, TooManyRequests, TransportError
from discovery.fake import CONTENT_TYPE_V2, FakeRequester
from discovery.interface import ACCEPT_AGGREGATED, ACCEPT_JSON, ACCEPT_V2, ACCEPT_V2BETA1, Requester


def test_is_a_requester() -> None:
    assert isinstance(FakeRequester(), Requester)


@pytest.mark.parametrize(
    "body, expected",
    [({"a": 1}, b'{"a": 1}'), ([1], b"[1]"), ("text", b"text"), (b"\x00raw", b"\x00raw")],
    ids=["dict", "list", "str", "bytes"],
)
def test_bodies(body: object, expected: bytes) -> None:
    fake = FakeRequester({"/x": body})
    assert fake.get("/x", accept=ACCEPT_JSON).body == expected


def test_routes_with_content_type() -> None:
    fake = FakeRequester({"/x": (b"{}", "application/json;charset=utf-8")})
    assert fake.get("/x", accept=ACCEPT_JSON).content_type == "application/json;charset=utf-8"


@pytest.mark.parametrize(
    "accept, expected",
    [
        (ACCEPT_AGGREGATED, b"v2"),
        (ACCEPT_V2, b"v2"),
        (ACCEPT_JSON, b"legacy"),
        (f"{ACCEPT_V2BETA1},{ACCEPT_JSON}", b"legacy"),
        ("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io;q=0.9", b"v2"),
        ("*/*", b"legacy"),
        ("application/*", b"legacy"),
        ("", b"legacy"),
    ],
    ids=["client-go-default", "v2-only", "legacy-only", "v2beta1-then-json", "reordered-params", "any", "application-any", "none"],
)
def test_accept_negotiation(accept: str, expected: bytes) -> None:
    fake = FakeRequester().add("/apis", b"legacy").add("/apis", b"v2", content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)
    assert fake.get("/apis", accept=accept).body == expected


def test_not_acceptable_when_no_variant_fits() -> None:
    fake = FakeRequester().add("/apis", b"v2", content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)
    with pytest.raises(NotAcceptable):
        fake.get("/apis", accept=ACCEPT_JSON)


def test_unknown_path_is_a_kube_style_404() -> None:
    with pytest.raises(NotFound) as info:
        FakeRequester().get("/apis/nope/v1", accept=ACCEPT_JSON)
    assert info.value.message == "the server could not find the requested resource"
    assert info.value.url == "/apis/nope/v1"


def test_fail_with_code_body_and_retry_after() -> None:
    fake = FakeRequester({"/x": {}}).fail("/x", 429, body="slow down", retry_after="3")
    with pytest.raises(TooManyRequests) as info:
        fake.get("/x", accept=ACCEPT_JSON)
    assert info.value.retry_after_seconds == 3
    # a body that is not a Status: client-go's generic message, the body kept as the cause
    assert info.value.message == "the server has received too many requests and has asked us to try again later"
    assert info.value.causes[0]["message"] == "slow down"
    fake.heal("/x")
    assert fake.get("/x", accept=ACCEPT_JSON).body == b"{}"


def test_fail_default_is_503_and_fresh_each_time() -> None:
    fake = FakeRequester().fail("/x")
    errors = []
    for _ in range(2):
        with pytest.raises(ServiceUnavailable) as info:
            fake.get("/x", accept=ACCEPT_JSON)
        errors.append(info.value)
    assert errors[0] is not errors[1]


def test_fail_with_an_exception() -> None:
    fake = FakeRequester().fail("/x", TransportError("connection refused"))
    with pytest.raises(TransportError):
        fake.get("/x", accept=ACCEPT_JSON)


def test_remove() -> None:
    fake = FakeRequester({"/x": {}}).remove("/x")
    with pytest.raises(NotFound):
        fake.get("/x", accept=ACCEPT_JSON)


def test_records_calls_including_failures() -> None:
    fake = FakeRequester({"/a": {}}).fail("/b")
    fake.get("/a", accept=ACCEPT_JSON)
    with pytest.raises(ServiceUnavailable):
        fake.get("/b", accept=ACCEPT_AGGREGATED)
    assert fake.calls == [("/a", ACCEPT_JSON), ("/b", ACCEPT_AGGREGATED)]
    assert fake.paths == ["/a", "/b"]
    fake.reset_calls()
    assert fake.calls == [] and fake.max_in_flight == 0


def test_delay_and_max_in_flight() -> None:
    fake = FakeRequester({"/x": {}}, delay=0.05)
    threads = [threading.Thread(target=fake.get, args=("/x",), kwargs={"accept": ACCEPT_JSON}) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.max_in_flight > 1
    assert len(fake.calls) == 4


@pytest.mark.parametrize("aggregated", [True, False], ids=["aggregated", "legacy"])
def test_from_fixture_dir(kube_fixtures: Path, aggregated: bool) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated)
    assert json.loads(fake.get("/apis/apps/v1", accept=ACCEPT_JSON).body)["groupVersion"] == "apps/v1"
    assert json.loads(fake.get("/api/v1", accept=ACCEPT_JSON).body)["kind"] == "APIResourceList"
    assert json.loads(fake.get("/apis/apps", accept=ACCEPT_JSON).body)["kind"] == "APIGroup"
    for path, legacy_kind in (("/api", "APIVersions"), ("/apis", "APIGroupList")):
        reply = fake.get(path, accept=ACCEPT_AGGREGATED)
        kind = json.loads(reply.body)["kind"]
        if aggregated:
            assert (kind, reply.content_type) == ("APIGroupDiscoveryList", CONTENT_TYPE_V2)
        else:
            assert (kind, reply.content_type) == (legacy_kind, ACCEPT_JSON)
        assert json.loads(fake.get(path, accept=ACCEPT_JSON).body)["kind"] == legacy_kind
    with pytest.raises(NotFound):
        fake.get("/aggregated_v2", accept=ACCEPT_JSON)
