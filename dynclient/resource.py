"""The resource client: every verb on one resource, taking and returning plain dicts.

Like client-go's ``dynamic/simple.go``: an immutable value that knows its
mapping (GVR, GVK, scope), its namespace and optional subresource.
``namespace()`` and ``subresource()`` return new clients. Each verb is one
short method that builds a path with ``paths.resource_path`` and hands the
request to the transport; scope and names are checked (and escaped) before
any I/O. Every reply goes through ``dynclient.replies``, so what is not the
object it claims to be is an error in the tree. A client made from a name
carries a ``healer`` (``dynclient.healing``): a 404 for a path the server no
longer serves re-resolves the name once and repeats the request there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, NoReturn, Optional, Sequence, Tuple,
                    Union)

from discovery.errors import Expired, StatusError
from discovery.types import GroupVersionKind, GroupVersionResource
from restmapper.mapping import RESTMapping

from .healing import Healer, is_unserved_404
from .pods.verbs import PodVerbs
from .paths import check_name, check_namespace, check_subresource, one_term_equal_selector, resource_path
from .replies import check_list, decode_object, split_checked
from .watch import DEFAULT_MAX_EVENT_SIZE, Watch

if TYPE_CHECKING:  # pragma: no cover
    from .transport import Transport

__all__ = ["ResourceClient", "PATCH_TYPES", "FIELD_VALIDATION"]

#: The server's ``fieldValidation`` levels.
FIELD_VALIDATION = ("Strict", "Warn", "Ignore")

#: patch_type name -> Content-Type, as kubectl's ``--type`` flag names them.
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}

Obj = Dict[str, Any]


def _bool_param(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True)
class ResourceClient(PodVerbs):
    """Verbs for one resource. Build it with ``DynamicClient.resource()``, not directly."""

    transport: "Transport"
    mapping: RESTMapping
    ns: Optional[str] = None
    subresource_name: Optional[str] = None
    #: Re-resolves the name this client was made from after an unserved 404 (``None``: never).
    healer: Optional[Healer] = field(default=None, compare=False)

    # -- identity -------------------------------------------------------------

    @property
    def gvr(self) -> GroupVersionResource:
        return self.mapping.resource

    @property
    def gvk(self) -> GroupVersionKind:
        return self.mapping.group_version_kind

    @property
    def namespaced(self) -> bool:
        return self.mapping.namespaced

    def __repr__(self) -> str:
        where = f", namespace={self.ns!r}" if self.ns else ""
        sub = f", subresource={self.subresource_name!r}" if self.subresource_name else ""
        return f"<ResourceClient {self.gvr.resource}.{self.gvr.version}.{self.gvr.group}{where}{sub}>"

    # -- builders -------------------------------------------------------------

    def namespace(self, namespace: Optional[str]) -> "ResourceClient":
        """A client for the same resource in ``namespace`` (``None``: all namespaces).

        A cluster-scoped resource refuses a namespace here, before any request.
        """
        if namespace is not None:
            if not self.namespaced:
                raise ValueError(
                    f"{self.gvr.resource}.{self.gvr.group or 'core'} is cluster-scoped; it has no namespace "
                    f"(got namespace {namespace!r})"
                )
            check_namespace(namespace)
        return replace(self, ns=namespace)

    def subresource(self, name: str) -> "ResourceClient":
        """A client for a subresource such as ``status`` or ``scale``."""
        check_subresource(name)
        return replace(self, subresource_name=name)

    # -- helpers --------------------------------------------------------------

    def _path(self, name: Optional[str] = None, *, namespace: Optional[str] = None, sub: Optional[str] = None) -> str:
        ns = namespace if namespace is not None else self.ns
        if ns and not self.namespaced:
            raise ValueError(f"{self.gvr.resource} is cluster-scoped but the object names namespace {ns!r}")
        return resource_path(self.gvr, ns if self.namespaced else None, name, sub)

    def _item_path(self, name: str, *, namespace: Optional[str] = None, sub: Optional[str] = None) -> str:
        ns = namespace if namespace is not None else self.ns
        if self.namespaced and not ns:
            raise ValueError(
                f"{self.gvr.resource} is namespaced: call .namespace(ns) or set metadata.namespace for {name!r}"
            )
        return self._path(name, namespace=ns, sub=sub if sub is not None else self.subresource_name)

    def _object_target(self, obj: Mapping[str, Any]) -> Tuple[str, Optional[str]]:
        if not isinstance(obj, Mapping):
            raise TypeError(f"expected a dict object, got {type(obj).__name__}")
        meta = obj.get("metadata") or {}
        if not isinstance(meta, Mapping):
            raise TypeError(f"the {self.gvk.kind} object's metadata must be a dict, got {type(meta).__name__}")
        name = meta.get("name")
        if not name:
            raise ValueError(f"the {self.gvk.kind} object has no metadata.name")
        ns = meta.get("namespace") or self.ns
        if self.ns and meta.get("namespace") and meta["namespace"] != self.ns:
            raise ValueError(
                f"{self.gvk.kind} {name!r} says namespace {meta['namespace']!r} but the client is for {self.ns!r}"
            )
        return name, ns

    @staticmethod
    def _write_params(dry_run: bool, field_manager: Optional[str], extra: Sequence[Tuple[str, Any]] = (),
                      field_validation: Optional[str] = None) -> List[Tuple[str, Any]]:
        params: List[Tuple[str, Any]] = []
        if dry_run:
            params.append(("dryRun", "All"))
        if field_manager:
            params.append(("fieldManager", field_manager))
        if field_validation:
            # kubectl apply --server-side and kubectl create send Strict.
            if field_validation not in FIELD_VALIDATION:
                raise ValueError(f"field_validation must be one of {', '.join(FIELD_VALIDATION)}, "
                                 f"got {field_validation!r}")
            params.append(("fieldValidation", field_validation))
        params.extend(extra)
        return params

    def _send(self, method: str, target: Callable[["ResourceClient"], str], name: Optional[str] = None,
              **kw: Any) -> Tuple["ResourceClient", Any, str]:
        """Send one request to ``target(client)``; returns the client that answered, the reply and its URL.

        An unserved 404 (``healing.is_unserved_404``) on a client made from a
        name asks its healer once; when the name now maps elsewhere the same
        request goes to the new path (nothing was done by the first). A
        StatusError that carries no Status from the server gets client-go's
        ``(get configmaps x)`` suffix.
        """
        client = self
        healed = False
        while True:
            path = target(client)
            try:
                reply = client.transport.request(method, path, **kw)
            except StatusError as err:
                if not healed and client.healer is not None and is_unserved_404(err):
                    healed = True
                    mapping = client.healer.remap(client.mapping)
                    if mapping is not None:
                        client = replace(client, mapping=mapping)
                        continue
                client._raise_about(err, method, name)
            url = getattr(reply, "url", None)
            return client, reply, url if isinstance(url, str) and url else client.transport.url(path)

    def _raise_about(self, err: StatusError, method: str, name: Optional[str]) -> NoReturn:
        """Raise ``err``, with client-go's ``(get configmaps x)`` when the server sent no Status."""
        better = err.about(method, self._qualified_resource(), name or "")
        if better is err:
            raise err
        raise better from None

    def _qualified_resource(self) -> str:
        # schema.GroupResource.String(): "configmaps", "deployments.apps"
        return f"{self.gvr.resource}.{self.gvr.group}" if self.gvr.group else self.gvr.resource

    def _json(self, method: str, target: Callable[["ResourceClient"], str], name: Optional[str] = None,
              **kw: Any) -> Obj:
        client, reply, url = self._send(method, target, name, **kw)
        try:
            return decode_object(reply, method=method, url=url)
        except StatusError as err:  # a 3xx: redirects are not followed
            client._raise_about(err, method, name)

    # -- read verbs -------------------------------------------------------------

    def get(self, name: str, *, resource_version: Optional[str] = None, accept: str = "application/json") -> Obj:
        """GET one object (or its subresource).

        ``accept`` asks for another JSON form, such as kubectl's Table
        (``application/json;as=Table;v=v1;g=meta.k8s.io``).
        """
        params = [("resourceVersion", resource_version)] if resource_version else None
        self._item_path(name)  # checked before any request
        return self._json("GET", lambda c: c._item_path(name), name, params=params, accept=accept)

    def list(
        self,
        *,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        limit: Optional[int] = None,
        continue_: Optional[str] = None,
        resource_version: Optional[str] = None,
        resource_version_match: Optional[str] = None,
        timeout_seconds: Optional[int] = None,
        accept: str = "application/json",
    ) -> Obj:
        """One LIST call; a namespaced resource without a namespace lists every namespace.

        ``accept`` asks for another JSON form (a Table); its ``items``, when
        present, must still be a list of objects.
        """
        params = _list_params(label_selector, field_selector, limit, continue_, resource_version,
                              resource_version_match, timeout_seconds)
        client, reply, url = self._send("GET", lambda c: c._path(), params=params, accept=accept)
        try:
            obj = decode_object(reply, method="GET", url=url)
        except StatusError as err:
            client._raise_about(err, "GET", None)
        return check_list(obj, reply, method="GET", url=url)

    def iter(
        self,
        *,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        limit: int = 500,
        resource_version: Optional[str] = None,
        timeout_seconds: Optional[int] = None,
    ) -> Iterator[Obj]:
        """Yield every item, page by page, following ``continue``.

        If a continue token expires (410) mid-way, relist once from the start
        and skip what was already yielded, as client-go's pager falls back to a
        full list (``FullListIfExpired``). The server pages in etcd key order
        (``namespace/name``), so "already yielded" is every key up to the last
        one seen: constant memory, however long the list.
        """
        token: Optional[str] = None
        last_key: Optional[str] = None
        relisted = False
        client = self
        while True:
            params = _list_params(label_selector, field_selector, limit, token,
                                  None if token else resource_version, None, timeout_seconds)
            try:
                # A healed first page moves the rest of the pages to the new path too.
                client, reply, url = client._send("GET", lambda c: c._path(), params=params)
            except Expired:
                if relisted or token is None:
                    raise
                relisted, token = True, None
                continue
            # Items are decoded one at a time from the page's text (dynclient.liststream):
            # memory stays near one page of JSON, not a page of parsed dicts.
            try:
                fields, items = split_checked(reply, method="GET", url=url)
            except StatusError as err:
                client._raise_about(err, "GET", None)
            # The page's text is all the items need now: its bytes go (the reply holds them), and
            # nothing of this page is left when the next one is read, so at most one page is in memory.
            reply = None
            for item in items:
                key = _storage_key(item)
                if relisted and last_key is not None and key <= last_key:
                    continue
                last_key = key
                yield item
                del item
            token = (fields.get("metadata") or {}).get("continue")
            if not token:
                return

    def watch(
        self,
        *,
        name: Optional[str] = None,
        resource_version: Optional[str] = None,
        timeout_seconds: Optional[float] = None,
        allow_bookmarks: bool = True,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        yield_bookmarks: bool = False,
        send_initial_events: bool = False,
        resume: bool = True,
        relist: bool = False,
        server_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        backoff_base: float = 0.2,
        max_backoff: float = 30.0,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> Watch:
        """Watch for changes; iterate the result for ``(type, object)`` events.

        ``name`` watches one object (a ``metadata.name`` field selector, as
        kubectl does). The stream resumes after drops from the last seen
        resourceVersion; ``timeout_seconds`` ends it cleanly.

        ``send_initial_events`` asks for a WatchList (``sendInitialEvents=true``):
        the current objects arrive as ADDED events, then a BOOKMARK annotated
        ``k8s.io/initial-events-end``. A drop before that bookmark restarts the
        initial events, since their resourceVersions are not ordered.

        ``relist=True``: after a 410, LIST again and yield ``("RELISTED", list)``
        instead of raising ``Expired``; events in the gap are not replayed.

        Without ``timeout_seconds`` each stream asks the server to end it after
        ``server_timeout`` seconds (default 5-10 minutes at random, as client-go's
        Reflector does) and trusts a silent socket ``read_timeout`` seconds (default
        30 s longer), so a stalled connection is reopened instead of hanging.

        An event longer than ``max_event_size`` bytes (16 MiB, client-go's
        limit) ends the watch with kubectl's decoding error instead of being
        buffered whole; raise it for objects known to be larger.
        """
        if name is not None:
            check_name(name)
            # fields.OneTermEqualSelector: "a,metadata.name!=b" stays one term, escaped.
            selector = one_term_equal_selector("metadata.name", name)
            field_selector = f"{field_selector},{selector}" if field_selector else selector
        path = self._path()

        def open_stream(watch: Watch) -> Any:
            initial = send_initial_events and not watch.initial_events_done
            rv = resource_version or "" if initial else watch.resource_version
            params = _list_params(label_selector, field_selector, None, None, rv or None,
                                  "NotOlderThan" if initial else None, None)
            params.append(("watch", "true"))
            if allow_bookmarks or initial:
                params.append(("allowWatchBookmarks", "true"))
            if initial:
                params.append(("sendInitialEvents", "true"))
            remaining = watch.remaining()
            stream_seconds = remaining if remaining is not None else (server_timeout or random.uniform(300.0, 600.0))
            params.append(("timeoutSeconds", str(max(1, int(stream_seconds + 0.999)))))
            silence = read_timeout or stream_seconds + 30.0
            return self.transport.request("GET", path, params=params, stream=True,
                                          timeout=(self.transport.timeout[0], silence))

        lister = (lambda: self.list(label_selector=label_selector, field_selector=field_selector)) if relist else None
        return Watch(open_stream, resource_version=resource_version or "", timeout_seconds=timeout_seconds,
                     yield_bookmarks=yield_bookmarks, resume=resume, relist=lister,
                     backoff_base=backoff_base, max_backoff=max_backoff, max_event_size=max_event_size)

    # -- write verbs ----------------------------------------------------------

    def create(self, obj: Mapping[str, Any], *, dry_run: bool = False, field_manager: Optional[str] = None,
               field_validation: Optional[str] = None) -> Obj:
        """POST a new object; ``metadata.generateName`` works, as the name is not required.

        ``field_validation`` (``"Strict"``, ``"Warn"``, ``"Ignore"``) is the
        server's ``fieldValidation``: unknown or duplicate fields are refused,
        warned about (the server's default) or dropped.
        """
        if not isinstance(obj, Mapping):
            raise TypeError(f"expected a dict object, got {type(obj).__name__}")
        meta = obj.get("metadata") or {}
        if not isinstance(meta, Mapping):
            raise TypeError(f"the {self.gvk.kind} object's metadata must be a dict, got {type(meta).__name__}")
        ns = meta.get("namespace") or self.ns
        if self.namespaced and not ns:
            raise ValueError(f"{self.gvr.resource} is namespaced: call .namespace(ns) or set metadata.namespace")
        name = meta.get("name") if self.subresource_name else None

        def target(c: "ResourceClient") -> str:
            return c._item_path(name, namespace=ns) if name else c._path(namespace=ns)

        target(self)  # checked before any request
        return self._json("POST", target, name, body=obj,
                          params=self._write_params(dry_run, field_manager, field_validation=field_validation))

    def update(self, obj: Mapping[str, Any], *, dry_run: bool = False, field_manager: Optional[str] = None) -> Obj:
        """PUT the whole object; a stale ``metadata.resourceVersion`` raises ``Conflict``."""
        name, ns = self._object_target(obj)
        self._item_path(name, namespace=ns)
        return self._json("PUT", lambda c: c._item_path(name, namespace=ns), name, body=obj,
                          params=self._write_params(dry_run, field_manager))

    def update_status(self, obj: Mapping[str, Any], *, dry_run: bool = False, field_manager: Optional[str] = None) -> Obj:
        """PUT to the ``status`` subresource."""
        name, ns = self._object_target(obj)
        self._item_path(name, namespace=ns, sub="status")
        return self._json("PUT", lambda c: c._item_path(name, namespace=ns, sub="status"), name, body=obj,
                          params=self._write_params(dry_run, field_manager))

    def patch(
        self,
        name: str,
        body: Union[Mapping[str, Any], Sequence[Any], str, bytes],
        patch_type: str = "merge",
        *,
        dry_run: bool = False,
        field_manager: Optional[str] = None,
        force: Optional[bool] = None,
    ) -> Obj:
        """PATCH with a merge, JSON or strategic merge patch (``patch_type``)."""
        try:
            content_type = PATCH_TYPES[patch_type]
        except KeyError:
            raise ValueError(f"patch_type must be one of {sorted(PATCH_TYPES)}, got {patch_type!r}") from None
        extra = [("force", _bool_param(force))] if force is not None else []
        self._item_path(name)
        return self._json("PATCH", lambda c: c._item_path(name), name, body=body, content_type=content_type,
                          params=self._write_params(dry_run, field_manager, extra))

    def apply(
        self,
        obj: Mapping[str, Any],
        *,
        field_manager: str = "dynclient",
        force: bool = False,
        dry_run: bool = False,
        field_validation: Optional[str] = None,
    ) -> Obj:
        """Server-side apply (``application/apply-patch+yaml``; JSON is valid YAML).

        A field owned by another manager raises ``Conflict`` whose ``causes``
        name the fields; ``force=True`` takes them over. ``field_validation``
        is as for ``create``.
        """
        if not field_manager:
            raise ValueError("server-side apply needs a field_manager")
        name, ns = self._object_target(obj)
        extra = [("force", "true")] if force else []
        self._item_path(name, namespace=ns)
        return self._json("PATCH", lambda c: c._item_path(name, namespace=ns), name, body=obj,
                          content_type=PATCH_TYPES["apply"],
                          params=self._write_params(dry_run, field_manager, extra, field_validation))

    def delete(
        self,
        name: str,
        *,
        propagation_policy: Optional[str] = None,
        grace_period_seconds: Optional[int] = None,
        preconditions: Optional[Mapping[str, str]] = None,
        dry_run: bool = False,
    ) -> Obj:
        """DELETE one object; returns what the server returns (the object or a Status)."""
        self._item_path(name)
        return self._json("DELETE", lambda c: c._item_path(name), name,
                          body=_delete_options(propagation_policy, grace_period_seconds, preconditions, dry_run))

    def delete_collection(
        self,
        *,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        propagation_policy: Optional[str] = None,
        grace_period_seconds: Optional[int] = None,
        dry_run: bool = False,
    ) -> Obj:
        """DELETE every object matching the selectors in this client's namespace (or cluster)."""
        params = _list_params(label_selector, field_selector, None, None, None, None, None)
        return self._json("DELETE", lambda c: c._path(), params=params,
                          body=_delete_options(propagation_policy, grace_period_seconds, None, dry_run))

    # -- beside the verbs: the toolkit's views of this resource ----------------------

    def wait(
        self,
        name: Optional[str] = None,
        *,
        condition: Any,
        label_selector: Optional[str] = None,
        field_selector: Optional[str] = None,
        all: bool = False,
        timeout: Optional[float] = 30.0,
    ) -> Any:
        """Wait as ``kubectl wait`` does, on a watch (``condition``: ``"condition=Ready"``, ``"delete"``,
        ``"jsonpath={.status.phase}=Running"``...; see ``dynclient.tools.wait.wait_for``)."""
        from .tools.wait import wait_for

        return wait_for(self, name, condition=condition, label_selector=label_selector,
                        field_selector=field_selector, all=all, timeout=timeout)

    def metadata(self) -> Any:
        """This resource as ``PartialObjectMetadata`` (get/list/iter/watch): client-go's metadata client."""
        from .tools.metadata import MetadataClient

        return MetadataClient(self)


def _storage_key(item: Mapping[str, Any]) -> str:
    """The object's etcd key suffix (``namespace/name``), the order LIST pages come in."""
    meta = item.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name', '')}" if ns else str(meta.get("name", ""))


def _list_params(
    label_selector: Optional[str],
    field_selector: Optional[str],
    limit: Optional[int],
    continue_: Optional[str],
    resource_version: Optional[str],
    resource_version_match: Optional[str],
    timeout_seconds: Optional[int],
) -> List[Tuple[str, Any]]:
    pairs = [
        ("labelSelector", label_selector),
        ("fieldSelector", field_selector),
        ("limit", limit),
        ("continue", continue_),
        ("resourceVersion", resource_version),
        ("resourceVersionMatch", resource_version_match),
        ("timeoutSeconds", timeout_seconds),
    ]
    return [(k, str(v)) for k, v in pairs if v not in (None, "")]


def _delete_options(
    propagation_policy: Optional[str],
    grace_period_seconds: Optional[int],
    preconditions: Optional[Mapping[str, str]],
    dry_run: bool,
) -> Dict[str, Any]:
    body: Dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
    if propagation_policy:
        if propagation_policy not in ("Orphan", "Background", "Foreground"):
            raise ValueError(f"propagation_policy must be Orphan, Background or Foreground, got {propagation_policy!r}")
        body["propagationPolicy"] = propagation_policy
    if grace_period_seconds is not None:
        body["gracePeriodSeconds"] = int(grace_period_seconds)
    if preconditions:
        body["preconditions"] = dict(preconditions)
    if dry_run:
        body["dryRun"] = ["All"]
    return body
