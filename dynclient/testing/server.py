"""The fake API server's front: a request (method, URL, headers, body) in, a reply out.

It does what the apiserver's handler chain does before the registry:
serves discovery, splits the path into group, version, namespace,
resource, name and subresource, refuses what the real mux refuses (a
namespaced path for a cluster-scoped resource, an unserved resource, a
verb the resource does not have), decodes the query, and turns the
registry's ``ApiError`` into the Status reply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qsl, urlsplit

from .discoverydocs import DiscoveryDocuments, ResourceInfo
from .registry import Registry
from .selectors import parse_field_selector, parse_label_selector
from .statuses import ApiError, method_not_allowed, resource_not_found, status
from .tracker import ObjectTracker
from .watchstream import WatchStream

__all__ = ["FakeAPIServer", "Request", "Reply", "Target"]

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone",
            415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass(frozen=True)
class Target:
    """What a resource path names."""

    group: str
    version: str
    resource: str
    namespace: Optional[str] = None
    name: str = ""
    subresource: str = ""


@dataclass
class Request:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes = b""
    target: Optional[Target] = None

    @classmethod
    def from_url(cls, method: str, url: str, headers: Dict[str, str], body: Optional[bytes]) -> "Request":
        parts = urlsplit(url)
        return cls(method.upper(), parts.path or "/", dict(parse_qsl(parts.query, keep_blank_values=True)),
                   {k.lower(): v for k, v in headers.items()}, body or b"", parse_target(parts.path))

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def wants_metadata(self) -> bool:
        """The Accept asks for ``PartialObjectMetadata(List)`` (meta.k8s.io/v1) first: metadata only."""
        first = self.headers.get("accept", "").split(",")[0].replace(" ", "")
        params = dict(p.split("=", 1) for p in first.split(";")[1:] if "=" in p)
        return (params.get("as") in ("PartialObjectMetadata", "PartialObjectMetadataList")
                and params.get("g") == "meta.k8s.io" and params.get("v") == "v1")

    @property
    def verb(self) -> str:
        """The Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection)."""
        t = self.target
        if t is None:
            return self.method.lower()  # a non-resource path (discovery, /version): the method, as RBAC's verbs
        named = bool(t.name)
        if self.method == "GET":
            return "watch" if self.query.get("watch") in ("true", "1") else "get" if named else "list"
        return {"POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if named else "deletecollection"}.get(self.method, self.method.lower())


@dataclass
class Reply:
    status: int
    body: Union[bytes, WatchStream]
    content_type: str = "application/json"
    headers: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return _REASONS.get(self.status, "")

    @classmethod
    def json(cls, code: int, obj: Any) -> "Reply":
        return cls(code, json.dumps(obj, separators=(",", ":")).encode())

    @classmethod
    def error(cls, err: ApiError) -> "Reply":
        return cls.json(err.code, err.body)


def partial_metadata(obj: Dict[str, Any]) -> Dict[str, Any]:
    """An object as ``PartialObjectMetadata``: its metadata only."""
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def _metadata_render(render: Any) -> Any:
    return lambda info, obj: partial_metadata(render(info, obj))


def parse_target(path: str) -> Optional[Target]:
    """The resource a path names, or ``None`` for a path that is not a resource path."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not group and rest[0] == "namespaces" and len(rest) == 3 and rest[2] in ("status", "finalize"):
        return Target("", version, "namespaces", None, rest[1], rest[2])  # the namespace's own subresource
    if rest[0] == "namespaces" and len(rest) >= 3:
        return Target(group, version, rest[2], rest[1], rest[3] if len(rest) > 3 else "",
                      "/".join(rest[4:]) if len(rest) > 4 else "")
    return Target(group, version, rest[0], None, rest[1] if len(rest) > 1 else "",
                  "/".join(rest[2:]) if len(rest) > 2 else "")


class FakeAPIServer:
    """Answers requests from discovery, the registry and the tracker."""

    def __init__(self, discovery: DiscoveryDocuments, tracker: ObjectTracker, registry: Registry, *,
                 bookmark_interval: Optional[float] = 1.0, token: Optional[str] = None) -> None:
        self.discovery = discovery
        self.tracker = tracker
        self.registry = registry
        self.bookmark_interval = bookmark_interval
        #: When set, a request without ``Authorization: Bearer <token>`` gets the real 401.
        self.token = token

    def handle(self, request: Request) -> Reply:
        if self.token is not None and request.headers.get("authorization") != f"Bearer {self.token}":
            return Reply.json(401, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                    "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
        if "protobuf" in request.content_type or "cbor" in request.content_type and "apply" not in request.content_type:
            return Reply.error(status(415, "UnsupportedMediaType", f'the body of the request was in an unknown format '
                                      f'- FakeCluster reads JSON and YAML only, not "{request.content_type}"'))
        try:
            if request.target is None:
                return self._non_resource(request)
            return self._resource(request)
        except ApiError as err:
            return Reply.error(err)

    def _non_resource(self, request: Request) -> Reply:
        if request.path in ("/healthz", "/readyz", "/livez"):
            return Reply(200, b"ok", "text/plain; charset=utf-8")
        if request.method != "GET":
            raise method_not_allowed(request.method, request.path)
        accept = request.headers.get("accept", "")
        # Only apidiscovery v2 is served (as v1.36 does); v2beta1 alone gets the legacy form.
        aggregated = any("as=APIGroupDiscoveryList" in a and "v=v2;" in a.replace(" ", "") + ";"
                         for a in accept.split(","))
        if request.path.startswith("/openapi/v3"):
            from .openapi import openapi_document

            openapi = openapi_document(self.discovery, request.path.rstrip("/"))
            if openapi is None:
                return Reply(404, b"404 page not found\n", "text/plain; charset=utf-8")
            return Reply(200, openapi)
        found = self.discovery.document(request.path.rstrip("/") or "/", aggregated)
        if found is None:
            return Reply(404, b"404 page not found\n", "text/plain; charset=utf-8")
        body, content_type = found
        return Reply(200, body, content_type)

    def _resource(self, request: Request) -> Reply:
        t = request.target
        assert t is not None
        info = self.discovery.find(t.group, t.version, t.resource)
        if info is None:
            raise resource_not_found()
        self.registry.begin(request.query.get("fieldValidation", ""))
        if t.namespace is not None and not info.namespaced:
            raise resource_not_found()  # /api/v1/namespaces/x/nodes: the mux serves no such path
        if t.subresource and t.subresource not in info.subresources:
            raise resource_not_found()
        verb = request.verb
        if info.namespaced and t.namespace is None and t.name:
            raise resource_not_found()
        if verb not in info.verbs and not t.subresource:
            raise method_not_allowed(request.method, t.resource)
        reply = getattr(self, "_" + verb)(request, info, t)
        reply.headers.extend(("Warning", '299 - "%s"' % w.replace("\\", "\\\\").replace('"', '\\"'))
                             for w in self.registry.warnings)
        return reply

    # -- verbs -------------------------------------------------------------------

    def _get(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        obj = self.registry.get(info, t.namespace or "", t.name, t.subresource)
        return Reply.json(200, partial_metadata(obj) if request.wants_metadata else obj)

    def _list(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        listed = self.registry.list(info, t.namespace, request.query)
        if request.wants_metadata:
            listed = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                      "metadata": listed["metadata"], "items": [partial_metadata(i) for i in listed["items"]]}
        return Reply.json(200, listed)

    def _watch(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        q = request.query
        labels = parse_label_selector(q.get("labelSelector"))
        fields = parse_field_selector(q.get("fieldSelector"))
        if t.name:
            name = t.name
            named = fields
            fields = (lambda o: o["metadata"].get("name") == name and (named is None or named(o)))

        def matches(obj: Dict[str, Any]) -> bool:
            return (labels is None or labels(obj)) and (fields is None or fields(obj))

        timeout = float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else None
        stream = WatchStream(self.tracker, info, namespace=t.namespace, matches=matches,
                             resource_version=q.get("resourceVersion", ""),
                             bookmarks=q.get("allowWatchBookmarks") == "true",
                             initial_events=q.get("sendInitialEvents") == "true", timeout=timeout,
                             render=_metadata_render(self.registry.render) if request.wants_metadata
                             else self.registry.render, bookmark_interval=self.bookmark_interval)
        return Reply(200, stream)

    def _create(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        if t.name and not t.subresource:
            raise method_not_allowed("POST", t.resource)
        obj = self.registry.create(info, t.namespace or "", request.body, request.query, self._manager(request))
        return Reply.json(201, obj)

    def _update(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        obj = self.registry.update(info, t.namespace or "", t.name, t.subresource, request.body, request.query,
                                   self._manager(request))
        return Reply.json(200, obj)

    def _patch(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        is_apply = request.content_type.startswith("application/apply-patch")
        manager = request.query.get("fieldManager") or (None if is_apply else self._manager(request))
        existed = self.tracker.get(info.group_resource, t.namespace or "" if info.namespaced else "", t.name)
        obj = self.registry.patch(info, t.namespace or "", t.name, t.subresource, request.body,
                                  request.content_type, request.query, manager,
                                  force=request.query.get("force") == "true")
        return Reply.json(201 if is_apply and existed is None else 200, obj)

    def _delete(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        options = json.loads(request.body) if request.body else {}
        return Reply.json(200, self.registry.delete(info, t.namespace or "", t.name, options, request.query))

    def _deletecollection(self, request: Request, info: ResourceInfo, t: Target) -> Reply:
        options = json.loads(request.body) if request.body else {}
        return Reply.json(200, self.registry.delete_collection(info, t.namespace, options, request.query))

    @staticmethod
    def _manager(request: Request) -> str:
        """fieldManager, else the User-Agent up to its first ``/`` (the apiserver's default manager)."""
        if request.query.get("fieldManager"):
            return request.query["fieldManager"]
        agent = request.headers.get("user-agent", "")
        return agent.split("/")[0] if agent else "unknown"

