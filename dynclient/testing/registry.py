"""The verbs on stored objects: what the API server's generic registry does between decoding and storage.

One method per verb. Each takes the resource (``ResourceInfo``) and the
request's pieces, checks what the real server checks (names, namespaces,
resourceVersions, preconditions), applies the kind's rules (status
subresource, generation, finalizers, CRDs, namespaces) and stores through
the ``ObjectTracker``. Objects in the tracker are never changed in place:
every write stores a new dict, so a reply or a watch event can be encoded
without copying.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import fieldsets, kinds
from .discoverydocs import DiscoveryDocuments, ResourceInfo
from .names import generate_name, name_problem
from .patches import json_patch, merge_patch, strategic_merge_patch
from .schemas import builtin_schema, check_fields, crd_schema
from .selectors import parse_field_selector, parse_label_selector
from .statuses import (ApiError, already_exists, bad_request, conflict, expired, invalid, name_required, not_found,
                       status, success)
from .tracker import ObjectTracker

__all__ = ["Registry", "PATCH_CONTENT_TYPES"]

Obj = Dict[str, Any]
PATCH_CONTENT_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply",
}
_CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "
    "results. Continuing with the provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show up in the list.")


def _copy(obj: Any) -> Any:
    return json.loads(json.dumps(obj))  # several times faster than copy.deepcopy for JSON values


class Registry:
    """Verb logic over one tracker and one discovery (both shared with the cluster)."""

    def __init__(self, tracker: ObjectTracker, discovery: DiscoveryDocuments, *,
                 clock: Callable[[], float] = time.time, rng: Optional[random.Random] = None,
                 controllers: bool = True) -> None:
        self.tracker = tracker
        self.discovery = discovery
        self.clock = clock
        self.rng = rng or random.Random()
        #: Whether the controller-manager's part of a delete is done at once (a namespace emptied and removed,
        #: the garbage collector's orphan/foreground finalizers never left behind) or never, as on a bare apiserver.
        self.controllers = controllers
        self._request = threading.local()

    @property
    def warnings(self) -> List[str]:
        """The ``Warning`` texts of the request this thread is serving."""
        if not hasattr(self._request, "warnings"):
            self._request.warnings = []
        return self._request.warnings

    @property
    def field_validation(self) -> str:
        return getattr(self._request, "field_validation", "Warn")

    def begin(self, field_validation: str) -> None:
        """Start serving a request on this thread (its warnings and ``fieldValidation``)."""
        self._request.warnings = []
        self._request.field_validation = field_validation or "Warn"

    def now(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock()))

    # -- output ----------------------------------------------------------------

    @staticmethod
    def render(info: ResourceInfo, obj: Obj) -> Obj:
        """``obj`` as served at ``info``'s version (a shallow dict; the stored one is not touched)."""
        return {"kind": info.kind, "apiVersion": info.api_version,
                **{k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}}

    # -- reads -----------------------------------------------------------------

    def _stored(self, info: ResourceInfo, ns: str, name: str) -> Obj:
        obj = self.tracker.get(info.group_resource, ns if info.namespaced else "", name)
        if obj is None:
            raise not_found(info.resource, name, info.group)
        return obj

    def get(self, info: ResourceInfo, ns: str, name: str, sub: str = "") -> Obj:
        obj = self._stored(info, ns, name)
        if sub == "scale":
            return kinds.scale_of(info, obj, self.discovery)
        return self.render(info, obj)

    def list(self, info: ResourceInfo, ns: Optional[str], query: Dict[str, str]) -> Obj:
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"))
        limit = _int_param(query.get("limit"), "limit")
        start = ""
        self.tracker.maybe_compact()
        with self.tracker.lock:
            revision = self.tracker.revision
            token = query.get("continue")
            if token:
                token_rv, start = _decode_continue(token)
                if token_rv < self.tracker.compacted:
                    raise self._continue_expired(start)
                revision = token_rv
            items = [o for o in self.tracker.items(info.group_resource, ns or None)
                     if _key(o) >= start and (labels is None or labels(o)) and (fields is None or fields(o))]
        meta: Dict[str, Any] = {"resourceVersion": str(revision)}
        if limit and len(items) > limit:
            page, rest = items[:limit], items[limit:]
            meta["continue"] = _encode_continue(revision, _key(page[-1]) + "\x00")
            if labels is None and fields is None:
                meta["remainingItemCount"] = len(rest)
            items = page
        rendered = [self.render(info, o) if info.custom else
                    {k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
        return {"kind": info.kind + "List", "apiVersion": info.api_version, "metadata": meta, "items": rendered}

    def _continue_expired(self, start: str) -> ApiError:
        err = expired(_CONTINUE_TOO_OLD)
        # The server offers a token that continues at the current revision (inconsistently).
        err.body["metadata"] = {"continue": _encode_continue(self.tracker.revision, start)}
        return err

    # -- writes ----------------------------------------------------------------

    def create(self, info: ResourceInfo, ns: str, body: Any, query: Dict[str, str], manager: str) -> Obj:
        obj = self._decode_object(info, body)
        meta = obj.setdefault("metadata", {})
        ns = self._check_namespace(info, ns, meta)
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = generate_name(meta["generateName"], self.rng)
            else:
                raise name_required(info.kind, _group_for_kind(info))
        self._check_name(info, meta["name"])
        dry_run = _dry_run(query)
        with self.tracker.lock:
            if self.tracker.get(info.group_resource, ns, meta["name"]) is not None:
                raise already_exists(info.resource, meta["name"], info.group)
            if info.namespaced:
                self._require_namespace(info, ns, meta["name"])
            for key in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
                meta.pop(key, None)
            if query.get("_apply") is None:
                meta.pop("managedFields", None)
            meta["uid"] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            meta["creationTimestamp"] = self.now()
            if kinds.has_generation(info, obj):
                meta["generation"] = 1
            if "status" in info.subresources:
                kinds.reset_status(info, obj)
            kinds.on_create(info, obj, self)
            if query.get("_apply") is None:
                fieldsets.record_update(None, obj, manager=manager, api_version=info.api_version, now=self.now())
            if dry_run:
                return self.render(info, obj)
            stored = self.tracker.put(info.group_resource, _ordered(obj), "ADDED")
            kinds.after_write(info, None, stored, self)
            return self.render(info, stored)

    def update(self, info: ResourceInfo, ns: str, name: str, sub: str, body: Any, query: Dict[str, str],
               manager: str) -> Obj:
        new = self._decode_object(info, body)
        meta = new.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
        meta["name"] = name
        ns = self._check_namespace(info, ns, meta)
        with self.tracker.lock:
            old = self._stored(info, ns, name)
            if sub == "scale":
                return kinds.update_scale(info, old, new, self, query, manager)
            rv = meta.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise conflict(info.resource, name, info.group)
            return self._write(info, old, new, sub, query, manager, operation="Update")

    def patch(self, info: ResourceInfo, ns: str, name: str, sub: str, body: bytes, content_type: str,
              query: Dict[str, str], manager: Optional[str], force: bool) -> Obj:
        kind = PATCH_CONTENT_TYPES.get(content_type.split(";")[0].strip())
        if kind is None or (kind == "strategic" and info.custom):
            raise status(415, "UnsupportedMediaType",
                         f"the body of the request was in an unknown format - accepted media types include: "
                         f"application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                         f"{'' if info.custom else ', application/strategic-merge-patch+json'}")
        document = _decode_body(body, yaml=kind == "apply")
        with self.tracker.lock:
            if kind == "apply":
                return self._apply(info, ns, name, sub, document, query, manager, force)
            old = self._stored(info, ns, name)
            base = _copy(self.get(info, ns, name, sub) if sub == "scale" else self.render(info, old))
            if kind == "merge":
                if not isinstance(document, dict):
                    raise bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
                new = merge_patch(base, document)
            elif kind == "json":
                new = json_patch(base, document)
            else:
                new = strategic_merge_patch(base, document)
            if not isinstance(new, dict):
                raise bad_request("the patch did not produce an object")
            if sub == "scale":
                return kinds.update_scale(info, old, new, self, query, manager or "")
            meta = new.setdefault("metadata", {})
            if meta.get("name") != name:
                meta["name"] = name
            rv = meta.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise conflict(info.resource, name, info.group)
            return self._write(info, old, new, sub, query, manager or "", operation="Update")

    def _apply(self, info: ResourceInfo, ns: str, name: str, sub: str, document: Any, query: Dict[str, str],
               manager: Optional[str], force: bool) -> Obj:
        if not manager:
            raise status(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                         "required for apply patch", {"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [
                             {"reason": "FieldValueRequired", "message": "Required value: is required for apply patch",
                              "field": "fieldManager"}]})
        if not isinstance(document, dict):
            raise bad_request("invalid object type: /, Kind=")
        applied = self._decode_object(info, document)
        meta = applied.setdefault("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
        meta["name"] = name
        ns = self._check_namespace(info, ns, meta)
        old = self.tracker.get(info.group_resource, ns, name)
        status_separate = "status" in info.subresources
        if old is None:
            merged = fieldsets.apply(None, applied, manager=manager, force=force, api_version=info.api_version,
                                     now=self.now(), subresource=sub, status_separate=status_separate)
            return self.create(info, ns, merged, {**query, "_apply": "1"}, manager)
        rv = meta.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise conflict(info.resource, name, info.group)
        merged = fieldsets.apply(_copy(old), applied, manager=manager, force=force, api_version=info.api_version,
                                 now=self.now(), subresource=sub, status_separate=status_separate)
        return self._write(info, old, merged, sub, query, manager, operation="Apply")

    def _write(self, info: ResourceInfo, old: Obj, new: Obj, sub: str, query: Dict[str, str], manager: str,
               *, operation: str) -> Obj:
        """Store ``new`` over ``old`` after the kind's rules; a write that changes nothing keeps the resourceVersion."""
        old_meta = old["metadata"]
        new = _copy(new)
        if "status" in info.subresources:
            if sub == "status":
                kept = _copy(old)
                kept["status"] = new.get("status")
                if kept["status"] is None:
                    kept.pop("status")
                if operation == "Apply":
                    kept["metadata"]["managedFields"] = new["metadata"].get("managedFields", [])
                new = kept
            else:
                if old.get("status") is not None:
                    new["status"] = old["status"]
                else:
                    new.pop("status", None)
        meta = new.setdefault("metadata", {})
        for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if key in old_meta:
                meta[key] = old_meta[key]
            else:
                meta.pop(key, None)
        if meta.get("namespace") is None and old_meta.get("namespace"):
            meta["namespace"] = old_meta["namespace"]
        if operation != "Apply":
            if "managedFields" not in meta or meta.get("managedFields") == old_meta.get("managedFields"):
                fieldsets.record_update(old, new, manager=manager, api_version=info.api_version, now=self.now(),
                                        subresource=sub)
        if old_meta.get("deletionTimestamp") and _added_finalizers(old, new):
            raise invalid(info.kind, meta["name"], [("FieldValueForbidden", "metadata.finalizers",
                                                     "Forbidden: no new finalizers can be added if the object is "
                                                     "being deleted")], _group_for_kind(info))
        meta["resourceVersion"] = old_meta["resourceVersion"]
        if _same(old, new):
            return self.render(info, old)
        if "generation" in meta and kinds.spec_changed(old, new):
            meta["generation"] = int(meta["generation"]) + 1
        kinds.before_update(info, old, new, self)
        if _dry_run(query):
            return self.render(info, new)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            gone = self.tracker.remove(info.group_resource, meta.get("namespace") or "", meta["name"])
            kinds.after_delete(info, new, self)
            last = {"resourceVersion": gone["metadata"]["resourceVersion"]} if gone and gone.get("metadata") else {}
            return self.render(info, {**new, "metadata": {**meta, **last}})
        stored = self.tracker.put(info.group_resource, _ordered(new), "MODIFIED")
        kinds.after_write(info, old, stored, self)
        return self.render(info, stored)

    def delete(self, info: ResourceInfo, ns: str, name: str, options: Any, query: Dict[str, str]) -> Obj:
        options = options if isinstance(options, dict) else {}
        dry_run = _dry_run(query) or "All" in (options.get("dryRun") or [])
        with self.tracker.lock:
            old = self._stored(info, ns, name)
            meta = old["metadata"]
            pre = options.get("preconditions") or {}
            if pre.get("uid") and pre["uid"] != meta.get("uid"):
                raise conflict(info.resource, name, info.group, f"Precondition failed: UID in precondition: {pre['uid']}, "
                               f"UID in object meta: {meta.get('uid')}")
            if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
                raise conflict(info.resource, name, info.group, "Precondition failed: ResourceVersion in precondition: "
                               f"{pre['resourceVersion']}, ResourceVersion in object meta: {meta.get('resourceVersion')}")
            finalizers = list(meta.get("finalizers") or [])
            if not self.controllers:
                # The garbage collector's finalizers; it is the one that takes them off again.
                policy = options.get("propagationPolicy") or (
                    "Orphan" if options.get("orphanDependents") else kinds.default_propagation(info))
                gc = {"Orphan": "orphan", "Foreground": "foregroundDeletion"}.get(policy or "")
                if gc and gc not in finalizers:
                    finalizers.append(gc)
            graceful = kinds.deletes_gracefully(info)
            if finalizers or graceful:
                if meta.get("deletionTimestamp"):
                    return self.render(info, old)
                new = _copy(old)
                new["metadata"]["deletionTimestamp"] = self.now()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                if finalizers:
                    new["metadata"]["finalizers"] = finalizers
                if dry_run:
                    return self.render(info, new)
                kinds.on_terminating(info, new)
                if not finalizers and self.controllers:
                    # The controller's work (a namespace's contents) is done at once; then the object goes.
                    kinds.finalize(info, new, self)
                    gone = self.tracker.remove(info.group_resource, meta.get("namespace") or "", name)
                    kinds.after_delete(info, new, self)
                    return self.render(info, {**new, "metadata": {**new["metadata"],
                                                                   "resourceVersion": gone["metadata"]["resourceVersion"]
                                                                   if gone else meta["resourceVersion"]}})
                stored = self.tracker.put(info.group_resource, _ordered(new), "MODIFIED")
                return self.render(info, stored)
            if dry_run:
                return self.render(info, old) if kinds.returns_deleted_object(info) else success(
                    info.resource, name, meta.get("uid", ""), info.group)
            gone = self.tracker.remove(info.group_resource, meta.get("namespace") or "", name)
            kinds.after_delete(info, old, self)
            if kinds.returns_deleted_object(info):
                return self.render(info, gone or old)
            return success(info.resource, name, meta.get("uid", ""), info.group)

    def delete_collection(self, info: ResourceInfo, ns: Optional[str], options: Any, query: Dict[str, str]) -> Obj:
        listed = self.list(info, ns, {k: v for k, v in query.items() if k in ("labelSelector", "fieldSelector")})
        for item in listed["items"]:
            try:
                self.delete(info, item["metadata"].get("namespace") or "", item["metadata"]["name"], options, query)
            except ApiError as err:
                if err.code != 404:
                    raise
        listed["metadata"] = {"resourceVersion": str(self.tracker.revision)}
        return listed

    # -- checks ----------------------------------------------------------------

    def _decode_object(self, info: ResourceInfo, body: Any) -> Obj:
        obj = _decode_body(body) if isinstance(body, (bytes, str)) else _copy(body)
        if not isinstance(obj, dict):
            raise bad_request(f"the object provided is unrecognized (must be of type {info.kind}): "
                              "couldn't get version/kind; json parse error")
        api_version = obj.get("apiVersion")
        if api_version and api_version != info.api_version:
            raise bad_request(f"the API version in the data ({api_version}) does not match the expected API version "
                              f"({info.api_version})")
        if obj.get("kind") and obj["kind"] != info.kind:
            raise bad_request(f"the kind in the data ({obj['kind']}) does not match the expected kind ({info.kind})")
        meta = obj.get("metadata")
        if meta is not None and not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        obj["apiVersion"], obj["kind"] = info.api_version, info.kind
        schema = (crd_schema(self.tracker, info.group, info.resource, info.version) if info.custom
                  else builtin_schema(info.group, info.resource))
        check_fields(obj, schema, info.kind, info.version, self.field_validation, self.warnings)
        return obj

    def _check_namespace(self, info: ResourceInfo, ns: str, meta: Obj) -> str:
        if not info.namespaced:
            meta.pop("namespace", None)
            return ""
        if meta.get("namespace") and meta["namespace"] != ns:
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = ns
        return ns

    def _check_name(self, info: ResourceInfo, name: str) -> None:
        problem = name_problem(name, label=kinds.name_is_label(info))
        if problem:
            raise invalid(info.kind, name, [("FieldValueInvalid", "metadata.name", problem)], _group_for_kind(info))

    def _require_namespace(self, info: ResourceInfo, ns: str, name: str) -> None:
        namespace = self.tracker.get(("", "namespaces"), "", ns)
        if namespace is None:
            raise not_found("namespaces", ns)
        if namespace["metadata"].get("deletionTimestamp"):
            raise status(403, "Forbidden", f'{_qualified(info)} "{name}" is forbidden: unable to create new content '
                         f"in namespace {ns} because it is being terminated",
                         {"name": name, "kind": _qualified(info), "causes": [
                             {"reason": "NamespaceTerminating",
                              "message": f"namespace {ns} is being terminated", "field": "metadata.namespace"}]})


def _qualified(info: ResourceInfo) -> str:
    """The resource as error messages name it: ``configmaps``, ``deployments.apps``."""
    return f"{info.resource}.{info.group}" if info.group else info.resource


def _group_for_kind(info: ResourceInfo) -> str:
    return info.group


def _key(obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{meta.get('namespace') or ''}/{meta['name']}" if meta.get("namespace") else f"/{meta['name']}"


def _encode_continue(revision: int, start: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_continue(token: str) -> Tuple[int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(data["rv"]), str(data["start"])
    except (ValueError, KeyError, TypeError):
        raise bad_request("invalid continue token: continue key is not valid") from None


def _int_param(value: Optional[str], name: str) -> Optional[int]:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"invalid {name} parameter: {value!r}") from None


def _dry_run(query: Dict[str, str]) -> bool:
    return query.get("dryRun") == "All"


def _decode_body(body: Any, yaml: bool = False) -> Any:
    if not isinstance(body, (bytes, str)):
        return body
    try:
        return json.loads(body)
    except ValueError:
        if not yaml:
            raise bad_request("the request body is not valid JSON") from None
    try:
        import yaml as pyyaml

        return pyyaml.safe_load(body)
    except Exception:
        raise bad_request("error decoding YAML") from None


def _same(old: Obj, new: Obj) -> bool:
    def strip(obj: Obj) -> Obj:
        meta = {k: v for k, v in obj.get("metadata", {}).items() if k != "managedFields"}
        return {**{k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}, "metadata": meta}

    return strip(old) == strip(new) and _managers(old) == _managers(new)


def _managers(obj: Obj) -> List[Tuple[str, str, Any]]:
    return [(m.get("manager"), m.get("operation"), m.get("fieldsV1"))
            for m in obj.get("metadata", {}).get("managedFields") or []]


def _added_finalizers(old: Obj, new: Obj) -> bool:
    before = set(old["metadata"].get("finalizers") or [])
    return bool(set(new.get("metadata", {}).get("finalizers") or []) - before)


def _ordered(obj: Obj) -> Obj:
    """apiVersion, kind, metadata first, as the server's encoder writes them."""
    head: Obj = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    return {**head, **{k: v for k, v in obj.items() if k not in head}}

