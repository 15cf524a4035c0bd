"""Error lines as kubectl's CheckErr prints them."""

from __future__ import annotations

import json

import pytest

from discovery.errors import Forbidden, GroupDiscoveryFailed, NotFound, StatusError, TransportError, status_error_from_response
from discovery.types import GroupVersion, GroupVersionResource
from dynclient.cli.checkerr import AggregateError, UsageError, error_text, report
from dynclient.config.errors import ConfigError
from dynclient.errors import ManifestError
from restmapper.errors import NoResourceMatch


def status(code: int, reason: str, message: str, **extra) -> StatusError:
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason,
            "message": message, **extra}
    import json

    return status_error_from_response(code, json.dumps(body).encode())


INVALID_ONE = status(422, "Invalid", 'ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad"', details={
    "name": "Bad", "kind": "ConfigMap",
    "causes": [{"reason": "FieldValueInvalid", "message": 'Invalid value: "Bad": a lowercase RFC 1123 subdomain',
                "field": "metadata.name"}]})
INVALID_TWO = status(422, "Invalid", "whatever", details={
    "name": "x", "kind": "Deployment",
    "causes": [{"field": "spec.replicas", "message": "must be >= 0"}, {"field": "spec.selector", "message": "Required value"},
               {"field": "spec.replicas", "message": "must be >= 0"}]})

CASES = [
    ("not-found", status(404, "NotFound", 'configmaps "x" not found'),
     'Error from server (NotFound): configmaps "x" not found\n'),
    ("forbidden", status(403, "Forbidden", 'configmaps is forbidden: User "u" cannot list resource "configmaps"'),
     'Error from server (Forbidden): configmaps is forbidden: User "u" cannot list resource "configmaps"\n'),
    ("already-exists", status(409, "AlreadyExists", 'configmaps "x" already exists'),
     'Error from server (AlreadyExists): configmaps "x" already exists\n'),
    ("unauthorized", status(401, "Unauthorized", "Unauthorized"),
     "error: You must be logged in to the server (Unauthorized)\n"),
    ("no-reason", status(500, "", "boom"), "Error from server: boom\n"),
    ("not-a-status-reply", status_error_from_response(503, b"<html>down</html>"),
     "Error from server (ServiceUnavailable): the server is currently unable to handle the request\n"),
    ("invalid-one-cause", INVALID_ONE,
     'The ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain\n'),
    ("invalid-several-causes", INVALID_TWO,
     'The Deployment "x" is invalid: \n* spec.replicas: must be >= 0\n* spec.selector: Required value\n'),
    ("invalid-without-details", status(422, "Invalid", "the server rejected our request due to an error in our request"),
     "The request is invalid: the server rejected our request due to an error in our request\n"),
    ("invalid-empty-details", status(422, "Invalid", "bad patch", details={}),
     "The request is invalid: bad patch\n"),
    ("invalid-causes-without-kind", status(422, "Invalid", "x", details={"causes": [{"field": "spec", "message": "no"}]}),
     "The request is invalid: spec: no\n"),
    ("no-resource-type", NoResourceMatch(GroupVersionResource("", "", "foo"),
                                         message="the server doesn't have a resource type \"foo\""),
     'error: the server doesn\'t have a resource type "foo"\n'),
    ("config", ConfigError("file not found", file="/nope"), "error: kubeconfig /nope: file not found\n"),
    ("manifest", ManifestError("mapping values are not allowed here", source="a.yaml", document=2, line=7),
     "error: a.yaml: document 2 (line 7): mapping values are not allowed here\n"),
    ("value-error", ValueError("--sort-by accepts only name or kind"), "error: --sort-by accepts only name or kind\n"),
    ("already-prefixed", ValueError("error: something"), "error: something\n"),
    ("connection-refused", TransportError("GET https://127.0.0.1:6443/api: ConnectionError: [Errno 111] Connection refused"),
     "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n"),
    ("other-transport", TransportError("GET https://k8s:6443/api: SSLError: certificate verify failed"),
     "Unable to connect to the server: certificate verify failed\n"),
    ("discovery-failed", GroupDiscoveryFailed({GroupVersion("metrics.k8s.io", "v1beta1"): RuntimeError("503")}),
     "error: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: 503\n"),
    ("aggregate-lines", AggregateError([status(404, "NotFound", 'configmaps "a" not found'),
                                        status(404, "NotFound", 'configmaps "b" not found')]),
     'Error from server (NotFound): configmaps "a" not found\nError from server (NotFound): configmaps "b" not found\n'),
    ("aggregate-of-one", AggregateError([ValueError("x")]), "error: x\n"),
]


@pytest.mark.parametrize("err,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_report(err, expected):
    assert report(err) == expected


def test_status_subclasses_are_chosen_by_reason():
    assert isinstance(CASES[0][1], NotFound) and isinstance(CASES[1][1], Forbidden)


@pytest.mark.parametrize("err,expected", [
    (UsageError("unknown flag: --bogus", command="get"), "Error: unknown flag: --bogus\nSee 'dynclient get --help' for usage.\n"),
    (UsageError("unexpected arguments: [x]", command="api-resources", cobra=False),
     "error: unexpected arguments: [x]\nSee 'dynclient api-resources -h' for help and examples\n"),
], ids=["cobra-flag-error", "usage-errorf"])
def test_usage_errors(err, expected):
    assert report(err) == expected


def test_error_text_has_no_trailing_newline_for_one_line():
    assert error_text(ValueError("x")) == "error: x"


@pytest.mark.parametrize("url,expected", [
    ("https://h/api", "the server has asked for the client to provide credentials"),
    ("https://h/apis/apps/v1", "the server has asked for the client to provide credentials"),
    ("https://h/api/v1/namespaces/x/configmaps", "Unauthorized"),
], ids=["discovery-root", "discovery-group-version", "object-list"])
def test_unauthorized_is_worded_by_where_it_happened(url, expected):
    err = status_error_from_response(401, json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                      "message": "Unauthorized", "reason": "Unauthorized",
                                                      "code": 401}).encode(), method="GET", url=url)
    assert report(err) == f"error: You must be logged in to the server ({expected})\n"
