"""Discovery replies that are not what they claim (issue 13 items 2 and 5, issue 12 item 6).

Each bad reply must end in an error of the tree that names the URL, the
status, the content type and at most the first 200 bytes of the body,
escaped; never a Python-internal message or a bare ``RecursionError``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from discovery import (
    APIGroup,
    APIGroupList,
    DiscoveryClient,
    DiscoveryError,
    DiskCachedDiscoveryClient,
    DynclientError,
    FakeRequester,
    GroupDiscoveryFailed,
    GroupVersion,
    InvalidDiscoveryResponse,
    RawResponse,
)
from discovery.fake import CONTENT_TYPE_V2
from discovery.interface import ACCEPT_JSON, ACCEPT_V2
from discovery.replyerrors import EVIDENCE_BYTES, escaped_excerpt

APPS_V1 = GroupVersion("apps", "v1")
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"groups": ' + DEEP + b"}"
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>" + b"x" * 400 + b"</body></html>"

GROUP_CASES = [
    pytest.param("/apis", HTML, "text/html; charset=utf-8", "text/html, not JSON", id="html-200"),
    pytest.param("/apis", b"upstream connect error", "text/plain", "text/plain, not JSON", id="text-plain"),
    pytest.param("/apis", b"", ACCEPT_JSON, "empty", id="empty-body"),
    pytest.param("/apis", b"[]", ACCEPT_JSON, "JSON array", id="array"),
    pytest.param("/apis", b'"groups"', ACCEPT_JSON, "JSON string", id="string"),
    pytest.param("/apis", b"null", ACCEPT_JSON, "JSON null", id="null"),
    pytest.param("/apis", b'{"groups": {"a": 1}}', ACCEPT_JSON, "groups must be a JSON array", id="groups-object"),
    pytest.param("/apis", b'{"groups": [["a"]]}', ACCEPT_JSON, "APIGroup must be a JSON object", id="group-not-object"),
    pytest.param("/apis", b'{"groups": [{"name": "g", "versions": [["v1"]]}]}', ACCEPT_JSON,
                 "version entry must be a JSON object", id="version-entry-array"),
    pytest.param("/apis", b'{"groups": [{"name": 7}]}', ACCEPT_JSON, "name must be a string", id="name-number"),
    pytest.param("/apis", b'{"groups": \xff\xfe}', ACCEPT_JSON, "not valid UTF-8", id="invalid-utf8"),
    pytest.param("/apis", DEEP_OBJECT, ACCEPT_JSON, "nested too deeply", id="nested-100000"),
    pytest.param("/api", b'{"versions": [["v1"]]}', ACCEPT_JSON, "APIVersions", id="api-versions-items"),
    pytest.param("/api", b"null", ACCEPT_JSON, "APIVersions", id="api-null"),
    pytest.param("/apis", b'{"items": [["g"]]}', CONTENT_TYPE_V2, "APIGroupDiscovery must be a JSON object",
                 id="aggregated-item-array"),
    pytest.param("/apis", b'{"items": {"a": 1}}', CONTENT_TYPE_V2, "items must be a JSON array", id="aggregated-items-object"),
]


def _check_evidence(err: InvalidDiscoveryResponse, path: str, body: bytes, content_type: str) -> None:
    text = str(err)
    assert f"GET {path}" in text and err.url == path
    assert "status code 200" in text and err.status_code == 200
    assert repr(content_type) in text and err.content_type == content_type
    assert err.body == escaped_excerpt(body)
    assert len(err.body) <= 4 * EVIDENCE_BYTES + 3  # 200 bytes, each at most \xNN, plus "..."
    assert all(c.isprintable() for c in text)
    assert "NoneType" not in text and "Expecting value" not in text


@pytest.mark.parametrize("path, body, content_type, problem", GROUP_CASES)
def test_bad_group_documents_are_invalid_responses(kube_fixtures: Path, path: str, body: bytes, content_type: str,
                                                   problem: str) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=True).remove(path)
    fake.add(path, body, content_type=content_type, accept=ACCEPT_V2 if content_type == CONTENT_TYPE_V2 else None)
    with pytest.raises(InvalidDiscoveryResponse) as info:
        DiscoveryClient(fake).server_groups_and_resources()
    assert isinstance(info.value, DiscoveryError) and isinstance(info.value, DynclientError)
    assert problem in str(info.value)
    _check_evidence(info.value, path, body, content_type)


@pytest.mark.parametrize(
    "body, content_type, problem",
    [
        pytest.param(HTML, "text/html", "text/html, not JSON", id="html-200"),
        pytest.param(b"[]", ACCEPT_JSON, "JSON array", id="array"),
        pytest.param(b'{"resources": [["pods"]]}', ACCEPT_JSON, "APIResource must be a JSON object",
                     id="resource-not-object"),
        pytest.param(b'{"resources": "pods"}', ACCEPT_JSON, "resources must be a JSON array", id="resources-string"),
        pytest.param(b'{"resources": [{"name": "x", "namespaced": "yes"}]}', ACCEPT_JSON,
                     "namespaced must be a boolean", id="namespaced-string"),
        pytest.param(b'{"resources": [{"name": "x", "verbs": [1]}]}', ACCEPT_JSON, "verbs must be a list of strings",
                     id="verbs-numbers"),
        pytest.param(b'{"resources": ' + DEEP + b"}", ACCEPT_JSON, "nested too deeply", id="nested-100000"),
        pytest.param(b"\x1b[2J\x1b[H{", ACCEPT_JSON, "malformed JSON", id="terminal-escapes"),
    ],
)
def test_bad_resource_lists_are_invalid_responses(legacy_fake: FakeRequester, body: bytes, content_type: str,
                                                  problem: str) -> None:
    legacy_fake.add("/apis/apps/v1", body, content_type=content_type)
    client = DiscoveryClient(legacy_fake)
    with pytest.raises(InvalidDiscoveryResponse) as info:
        client.server_resources_for_group_version(APPS_V1)
    assert problem in str(info.value)
    _check_evidence(info.value, "/apis/apps/v1", body, content_type)
    # In full discovery the group-version fails alone, with the same evidence.
    with pytest.raises(GroupDiscoveryFailed) as failed:
        client.server_groups_and_resources()
    assert isinstance(failed.value.failed[APPS_V1], InvalidDiscoveryResponse)


@pytest.mark.parametrize("body", [b"[]", b"null", b"<html>", b'"1.36"'], ids=["array", "null", "html", "string"])
def test_bad_version_document(body: bytes) -> None:
    fake = FakeRequester().add("/version", body)
    with pytest.raises(InvalidDiscoveryResponse, match="GET /version"):
        DiscoveryClient(fake).server_version()


def test_status_code_of_the_reply_is_named_when_the_requester_gives_it() -> None:
    class Requester:
        def get(self, path: str, *, accept: str) -> RawResponse:
            return RawResponse(b"<html>", "text/html", status_code=203)

    with pytest.raises(InvalidDiscoveryResponse, match="status code 203"):
        DiscoveryClient(Requester()).server_version()


def test_excerpt_is_cut_at_200_bytes_and_escaped() -> None:
    assert escaped_excerpt(b"a" * 300) == "a" * 200 + "..."
    assert escaped_excerpt(b"\x1b[31m\xff\n") == "\\x1b[31m\\xff\\n"


# -- issue 12 item 6: a version entry with groupVersion but no version ------------------------


@pytest.mark.parametrize(
    "entry, expected",
    [
        pytest.param({"groupVersion": "g.io/v1", "version": ""}, ("v1",), id="empty-version"),
        pytest.param({"groupVersion": "g.io/v1"}, ("v1",), id="no-version"),
        pytest.param({"groupVersion": "g.io/v1", "version": "v1"}, ("v1",), id="both"),
        pytest.param({"groupVersion": "", "version": ""}, (), id="neither-is-dropped"),
    ],
)
def test_version_entry_is_kept_by_group_version(entry: Any, expected: tuple) -> None:
    group = APIGroup.from_dict({"name": "g.io", "versions": [entry], "preferredVersion": entry})
    assert group.versions == expected
    assert group.preferred_version == (expected[0] if expected else "")


def test_group_version_only_entry_is_fetched_by_its_group_version() -> None:
    apis = {"kind": "APIGroupList", "groups": [
        {"name": "g.io", "versions": [{"groupVersion": "g.io/v1", "version": ""}],
         "preferredVersion": {"groupVersion": "g.io/v1"}}]}
    fake = FakeRequester({
        "/api": {"versions": ["v1"]},
        "/api/v1": {"groupVersion": "v1", "resources": [{"name": "pods", "kind": "Pod", "namespaced": True}]},
        "/apis": apis,
        "/apis/g.io/v1": {"groupVersion": "g.io/v1", "resources": [{"name": "things", "kind": "Thing"}]},
    })
    groups, lists = DiscoveryClient(fake).server_groups_and_resources()
    assert groups[1] == APIGroup("g.io", ("v1",), "v1")
    assert [str(rl.group_version) for rl in lists] == ["v1", "g.io/v1"]
    assert "/apis/g.io/v1" in fake.paths


# -- issue 13 item 2: a cache file nested 100,000 deep is a corrupt cache file -----------------


@pytest.mark.parametrize("which", ["servergroups", "serverresources"])
def test_deep_cache_file_is_ignored_and_fetched_again(legacy_fake: FakeRequester, tmp_path: Path, which: str) -> None:
    cache = tmp_path / "cache"
    DiskCachedDiscoveryClient(DiscoveryClient(legacy_fake), str(cache)).server_groups_and_resources()
    target = cache / "servergroups.json" if which == "servergroups" else cache / "apps" / "v1" / "serverresources.json"
    target.write_bytes(b'{"kind": "APIGroupList", "apiVersion": "v1", "groups": ' + DEEP + b"}")
    legacy_fake.reset_calls()
    groups, lists = DiskCachedDiscoveryClient(DiscoveryClient(legacy_fake), str(cache)).server_groups_and_resources()
    assert any(rl.group_version == APPS_V1 and rl.resources for rl in lists)
    expected = "/apis" if which == "servergroups" else "/apis/apps/v1"
    assert expected in legacy_fake.paths
    assert json.loads(target.read_bytes())["kind"] in ("APIGroupList", "APIResourceList")  # rewritten
    assert APIGroupList(tuple(groups)).groups  # and usable
