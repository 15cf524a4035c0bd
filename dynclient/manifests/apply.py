"""Apply, create or delete everything in a manifest, in dependency order, in one call.

Each operation runs the same way:

1. Read and validate the whole source first. With ``stop_on_error=True``
   (the default) a broken source (bad YAML, a document without a kind...)
   raises ``ManifestError`` before any request: nothing is half-applied
   because of a typo at the end of a file. With ``stop_on_error=False`` the
   usable documents go ahead and each unusable one becomes a failed,
   ``invalid`` result naming its file and line, after the others, as
   ``kubectl apply`` applies the rest and reports each bad document.
2. Sort it (``ordering``): Namespaces, then CRDs and other definitions, then
   workloads, custom resources last; deletion in the exact reverse.
3. Resolve each object lazily, when its turn comes. A CRD is waited for
   (until Established) only when a kind it serves comes later in the same
   source, and only when that kind's turn comes: then every such CRD still
   pending is waited for at once, each with a watch on its one name
   (``crds.watch_established``). The mapper is reset after CRDs change, so
   that discovery sees the new kinds.
4. Send objects of the same kind that follow each other ``concurrency`` at
   a time (8 by default; Helm's ``batchPerform`` also runs one kind's objects
   in parallel). Resolution stays on the caller's thread; CRDs go one by one.
   ``concurrency=1`` sends everything in order, as kubectl does.
5. Report a ``ManifestResult`` per object, in sorted order, calling
   ``progress`` after each. A failure raises ``ManifestApplyError`` (results
   so far on ``.results``: with ``concurrency`` above 1 that includes the rest
   of the failed object's batch, which was sent alongside it), or is recorded
   as action ``"failed"`` when ``stop_on_error=False``.

Apply sends one request per object, the server-side apply PATCH, as
``kubectl apply --server-side`` does: the action is ``created`` when the
server answers 201 and ``applied`` otherwise. ``report_changes=True``
GETs each object first to say ``configured`` or ``unchanged`` instead.
Results hold the server's replies only with ``keep_replies=True``.

Requests go through the client's transport and its token bucket (50 QPS,
burst 300 by default). kubectl's own limit does not bind here: each object
it applies gets a new REST client, and so a fresh client-go bucket of 5 QPS
and burst 10, for its one or two requests.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import (TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping, NamedTuple,
                    Optional, Set, Tuple, Union)

from discovery.errors import DynclientError, NotFound
from discovery.types import GroupKind, GroupVersion, GroupVersionKind
from restmapper.errors import NoKindMatch
from restmapper.mapping import RESTMapping

from ..paths import check_namespace
from ..resource import ResourceClient
from .crds import is_crd, served_kind, served_versions, watch_established
from .loader import Document, InvalidDocument, Source, iter_documents, iter_entries
from .ordering import sort_for_delete, sort_for_install
from .resolve import object_for, resolve_document
from .results import CRD_HINT, ManifestApplyError, ManifestResult, ResourceMappingNotFound, error_text

if TYPE_CHECKING:  # pragma: no cover
    from ..client import DynamicClient

__all__ = ["apply_manifests", "create_manifests", "delete_manifests", "Progress"]

#: ``progress(done, total, result)``, called after each object; ``done`` counts from 1.
Progress = Callable[[int, int, ManifestResult], None]

Obj = Dict[str, Any]
#: One object's request: (client, body, document) -> (action, the server's reply).
Step = Callable[[ResourceClient, Obj, Document], Tuple[str, Optional[Obj]]]

ManifestSource = Union[Source, Iterable[Source]]

#: Objects of one kind sent at once by default.
DEFAULT_CONCURRENCY = 8

#: ``fieldValidation`` for apply and create: kubectl's default ``--validate=strict`` sends Strict, so an
#: unknown or duplicate field is refused by the server instead of dropped with a warning.
STRICT = "Strict"

#: CRDs waited for at once, at most.
_CRD_WAITERS = 16


class _Pending(NamedTuple):
    """A CRD this run wrote whose kind comes later in the source: waited for when that kind's turn comes."""

    client: ResourceClient
    doc: Document
    reply: Optional[Obj]


class _Ready(NamedTuple):
    """An object resolved and ready to send."""

    doc: Document
    gvk: GroupVersionKind
    mapping: RESTMapping
    namespace: Optional[str]
    client: ResourceClient


def _batches(ordered: List[Document], concurrency: int) -> Iterator[List[Document]]:
    """Runs of consecutive objects of one kind (CRDs, and everything when ``concurrency`` is 1, alone).

    A name seen again starts a new run: two documents for one object (files
    concatenated, an overlay) must go in order so that the last one wins,
    as with kubectl.
    """
    batch: List[Document] = []
    names: Set[str] = set()
    for doc in ordered:
        alone = concurrency <= 1 or is_crd(doc.group, doc.kind)
        if batch and (alone or (doc.group, doc.kind) != (batch[0].group, batch[0].kind) or doc.name in names):
            yield batch
            batch, names = [], set()
        batch.append(doc)
        if doc.name:
            names.add(doc.name)
        if alone:
            yield batch
            batch, names = [], set()
    if batch:
        yield batch


class _Run:
    """State of one apply/create/delete run over sorted documents."""

    def __init__(
        self,
        dyn: "DynamicClient",
        documents: List[Document],
        *,
        operation: str,
        namespace: Optional[str],
        dry_run: bool,
        stop_on_error: bool,
        progress: Optional[Progress],
        crd_timeout: float = 60.0,
        wait_for_crds: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        keep_replies: bool = False,
        invalid: Iterable[InvalidDocument] = (),
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.concurrency = concurrency
        self.dyn = dyn
        self.operation = operation
        self.namespace = namespace
        self.dry_run = dry_run
        self.stop_on_error = stop_on_error
        self.progress = progress
        self.crd_timeout = crd_timeout
        self.wait_for_crds = wait_for_crds and not dry_run
        self.keep_replies = keep_replies
        self.invalid = list(invalid)
        self.results: List[ManifestResult] = []
        self.total = len(documents) + len(self.invalid)
        # kind served -> name, for the CRDs in this source: explains why their resources do not resolve.
        self.source_crds: Dict[GroupKind, str] = {}
        for doc in documents:
            gk = served_kind(doc.obj) if is_crd(doc.group, doc.kind) else None
            if gk is not None:
                self.source_crds[gk] = doc.name
        self.failed_crds: Dict[GroupKind, str] = {}
        self.source_namespaces = {d.name for d in documents if d.group == "" and d.kind == "Namespace"}
        # kind served -> versions served, for the CRDs this run wrote and saw Established.
        self.established: Dict[GroupKind, FrozenSet[str]] = {}
        # The kinds of the other documents: a CRD is waited for only when one of them is its kind.
        self.later_kinds = {GroupKind(d.group, d.kind) for d in documents if not is_crd(d.group, d.kind)}
        self.pending: Dict[GroupKind, _Pending] = {}
        self.list_kinds: Dict[Tuple[str, str], Optional[ResourceMappingNotFound]] = {}
        self.crd_errors: Dict[GroupKind, BaseException] = {}
        self.mapper_stale = False
        self.missing_kind_is_not_found = False

    def run(self, ordered: List[Document], step: Step) -> List[ManifestResult]:
        for batch in _batches(ordered, self.concurrency):
            if GroupKind(batch[0].group, batch[0].kind) in self.pending:
                self.await_crds()
            if self.mapper_stale and not is_crd(batch[0].group, batch[0].kind):
                self.reset_mapper()
            failure: Optional[ManifestResult] = None
            for result in self.batch(batch, step):
                self.report(result)
                if result.failed and failure is None:
                    failure = result
            if failure is not None and self.stop_on_error:
                raise ManifestApplyError(_failure_message(failure), result=failure, results=self.results) from failure.error
        if self.mapper_stale:
            self.reset_mapper()
        for entry in self.invalid:
            self.report(self.invalid_result(entry))
        return self.results

    def report(self, result: ManifestResult) -> None:
        self.results.append(result)
        if self.progress is not None:
            self.progress(len(self.results), self.total, result)

    def invalid_result(self, entry: InvalidDocument) -> ManifestResult:
        doc = entry.document
        try:
            gvk = GroupVersionKind.from_api_version(doc.api_version, doc.kind)
        except ValueError:
            gvk = GroupVersionKind("", "", doc.kind)
        return ManifestResult(doc, gvk, None, doc.namespace, doc.name, "failed", None, entry.error,
                              dry_run=self.dry_run, operation=self.operation, invalid=True)

    def await_crds(self) -> None:
        """Wait for every pending CRD at once (each with a watch on its name), as a kind of one comes up."""
        pending, self.pending = list(self.pending.items()), {}

        def wait(item: Tuple[GroupKind, _Pending]) -> Tuple[GroupKind, Any]:
            gk, crd = item
            try:
                return gk, watch_established(crd.client, crd.doc.name, timeout=self.crd_timeout, reply=crd.reply,
                                             document=crd.doc)
            except DynclientError as exc:
                return gk, exc

        if len(pending) == 1:
            outcomes = [wait(pending[0])]
        else:
            with ThreadPoolExecutor(max_workers=min(len(pending), _CRD_WAITERS),
                                    thread_name_prefix="dynclient-crd-wait") as pool:
                outcomes = list(pool.map(wait, pending))
        for gk, outcome in outcomes:
            if isinstance(outcome, BaseException):
                self.crd_errors[gk] = outcome
            else:
                self.established[gk] = served_versions(outcome)
        self.mapper_stale = True

    def batch(self, batch: List[Document], step: Step) -> List[ManifestResult]:
        """Resolve each object here (mapper resets stay on one thread), then send them together."""
        ready = [self.prepare(doc) for doc in batch]
        if len(ready) == 1:
            return [self.send(ready[0], step)]
        workers = min(self.concurrency, len(ready))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynclient-apply") as pool:
            return list(pool.map(lambda item: self.send(item, step), ready))

    def list_kind_error(self, doc: Document) -> Optional[ResourceMappingNotFound]:
        """kubectl maps a List's own kind before its items: ``List``, ``<served kind>List`` or a served kind.

        An object with ``items`` whose kind is not served (``kind: Foo``
        with no Foo) applies none of its items, as with kubectl, which
        reports the List with an empty name.
        """
        if doc.list_kind is None:
            return None
        api_version, kind = doc.list_kind
        if kind == "List":
            return None
        if doc.list_kind not in self.list_kinds:
            base = kind[: -len("List")] if kind.endswith("List") and len(kind) > len("List") else kind
            try:
                self.dyn.rest_mapping(GroupVersionKind.from_api_version(api_version, base))
                self.list_kinds[doc.list_kind] = None
            except NoKindMatch as exc:
                cause = NoKindMatch(GroupKind(exc.group_kind.group, kind), exc.searched_versions,
                                    discovery_failures=exc.discovery_failures)
                self.list_kinds[doc.list_kind] = ResourceMappingNotFound(cause, name="", namespace="",
                                                                         source=doc.source)
            except (DynclientError, ValueError):
                self.list_kinds[doc.list_kind] = None  # the items' own mapping reports it
        return self.list_kinds[doc.list_kind]

    def reset_mapper(self) -> None:
        self.dyn.mapper.reset()
        self.mapper_stale = False

    def prepare(self, doc: Document) -> Union[_Ready, ManifestResult]:
        """Resolve ``doc``: ready to send, or the result that it cannot be (a kind that does not resolve...)."""
        gvk = GroupVersionKind.from_api_version(doc.api_version, doc.kind)
        crd_error = self.crd_errors.get(GroupKind(doc.group, doc.kind))
        if crd_error is not None:
            return self.failure(doc, gvk, None, doc.namespace or self.namespace, crd_error)
        list_error = self.list_kind_error(doc)
        if list_error is not None:
            return self.failure(doc, gvk, None, doc.namespace or self.namespace, list_error, CRD_HINT)
        try:
            mapping, ns = self.resolve(doc)
        except NoKindMatch as exc:
            if self.missing_kind_is_not_found and GroupKind(doc.group, doc.kind) in self.source_crds:
                return self.result(doc, gvk, None, doc.namespace or self.namespace, "not found")
            error = ResourceMappingNotFound(exc, name=doc.name or doc.metadata.get("generateName", ""),
                                            namespace=doc.namespace or "", source=doc.source)
            return self.failure(doc, gvk, None, doc.namespace or self.namespace, error, self.kind_note(doc))
        except (DynclientError, ValueError) as exc:
            return self.failure(doc, gvk, None, doc.namespace or self.namespace, exc)
        client = self.dyn.resource(mapping)
        if ns:
            client = client.namespace(ns)
        return _Ready(doc, gvk, mapping, ns, client)

    def send(self, ready: Union[_Ready, ManifestResult], step: Step) -> ManifestResult:
        """Run ``step`` for a prepared object and report it. Thread-safe except for CRDs, which run alone."""
        if isinstance(ready, ManifestResult):
            return ready
        doc, gvk, mapping, ns, client = ready
        try:
            action, reply = step(client, object_for(doc, ns), doc)
        except NotFound as exc:
            note = ""
            if self.dry_run and ns in self.source_namespaces and self.operation != "delete":
                note = f"its Namespace {ns} is in this source, but a dry run does not create it"
            return self.failure(doc, gvk, mapping.resource, ns, exc, note)
        except (DynclientError, ValueError) as exc:
            return self.failure(doc, gvk, mapping.resource, ns, exc)
        if is_crd(doc.group, doc.kind) and not self.dry_run:
            self.mapper_stale = self.mapper_stale or action in ("created", "applied", "configured", "deleted")
            gk = served_kind(reply or doc.obj)
            if gk is not None and self.wait_for_crds and action != "deleted" and gk in self.later_kinds:
                self.pending[gk] = _Pending(client, doc, reply)
        return self.result(doc, gvk, mapping.resource, ns, action, reply)

    def resolve(self, doc: Document) -> Tuple[RESTMapping, Optional[str]]:
        """``resolve_document``, retried while discovery catches up with a CRD this run established.

        The API server sets Established before its discovery documents list
        the new kind, so a first lookup right after can still miss.
        """
        from ..tools.wait import WaitTimeout, wait_for_kind

        try:
            return resolve_document(self.dyn, doc, namespace=self.namespace)
        except NoKindMatch as err:
            versions = self.established.get(GroupKind(doc.group, doc.kind))
            if versions is None or GroupVersion.parse(doc.api_version).version not in versions:
                raise
            missed = err
        try:  # the public wait (dyn.wait_for_kind), so that both wait the same way
            wait_for_kind(self.dyn, doc.api_version, doc.kind, timeout=self.crd_timeout)
        except WaitTimeout:
            raise missed from None
        return resolve_document(self.dyn, doc, namespace=self.namespace)

    def result(self, doc: Document, gvk: GroupVersionKind, gvr: Any, ns: Optional[str], action: str,
               reply: Optional[Obj] = None) -> ManifestResult:
        name = doc.name or ((reply or {}).get("metadata") or {}).get("name") or doc.metadata.get("generateName", "")
        return ManifestResult(doc, gvk, gvr, ns, name, action, reply if self.keep_replies else None,
                              dry_run=self.dry_run, operation=self.operation)

    def failure(self, doc: Document, gvk: GroupVersionKind, gvr: Any, ns: Optional[str], exc: BaseException,
                note: str = "") -> ManifestResult:
        if is_crd(doc.group, doc.kind):
            gk = served_kind(doc.obj)
            if gk is not None:
                self.failed_crds[gk] = doc.name
        name = doc.name or doc.metadata.get("generateName", "")
        return ManifestResult(doc, gvk, gvr, ns, name, "failed", None, exc, dry_run=self.dry_run,
                              operation=self.operation, note=note)

    def kind_note(self, doc: Document) -> str:
        """Why a kind did not resolve, when its CRD is in this source; else kubectl's hint."""
        gk = GroupKind(doc.group, doc.kind)
        crd = self.source_crds.get(gk)
        if crd is None:
            return CRD_HINT
        its = f"its CustomResourceDefinition {crd}"
        if gk in self.failed_crds:
            return f"{its} in this source failed"
        if self.dry_run and self.operation != "delete":
            return f"{its} is in this source, but a dry run does not create it, so its resources cannot be checked"
        if self.operation == "delete":
            return f"{its} is not installed"
        versions = self.established.get(gk)
        if versions is None:
            return f"{its} in this source was not waited for (wait_for_crds=False)"
        version = GroupVersion.parse(doc.api_version).version
        if version not in versions:
            return f"{its} serves {', '.join(sorted(versions)) or 'no version'}, not {version}"
        return f"{its} is Established, but discovery did not list {doc.kind} within {self.crd_timeout:g}s"


def _failure_message(result: ManifestResult) -> str:
    doc = result.document
    where = f"{doc.item}: " if doc.item else ""
    ns = f"{result.namespace}/" if result.namespace else ""
    note = f"; {result.note}" if result.note else ""
    return f"{where}{result.operation} {doc.kind} {ns}{result.name}: {error_text(result.error)}{note}"


class _Loaded(NamedTuple):
    documents: List[Document]
    invalid: List[InvalidDocument]


def _load(source: ManifestSource, namespace: Optional[str], *, stop_on_error: bool, operation: str,
          need_names: bool) -> _Loaded:
    """Every document of ``source``; unusable ones raise (``stop_on_error``) or are set aside."""
    if namespace is not None:
        check_namespace(namespace)
    documents: List[Document] = []
    invalid: List[InvalidDocument] = []
    entries = iter_documents(source) if stop_on_error else iter_entries(source)
    for entry in entries:
        if isinstance(entry, InvalidDocument):
            invalid.append(entry)
        elif need_names and not entry.name:
            error = entry.error(f"cannot {operation} a {entry.kind} without metadata.name "
                                "(generateName works only with create)")
            if stop_on_error:
                raise error
            invalid.append(InvalidDocument(error, entry))
        else:
            documents.append(entry)
    return _Loaded(documents, invalid)


def _get_or_none(client: ResourceClient, name: str) -> Optional[Obj]:
    try:
        return client.get(name)
    except NotFound:
        return None


#: Server bookkeeping that an apply may change without changing the object.
_BOOKKEEPING = ("resourceVersion", "managedFields")


def _content(obj: Mapping[str, Any]) -> Obj:
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _BOOKKEEPING}
    return {**obj, "metadata": meta}


def apply_action(before: Optional[Mapping[str, Any]], after: Mapping[str, Any]) -> str:
    """kubectl's word for what an apply did: ``created``, ``configured`` or ``unchanged``.

    Server-side apply does not say, so compare the object before and after:
    none before means created; otherwise it is unchanged when nothing but
    server bookkeeping (``resourceVersion``, ``managedFields``) differs.
    Comparing resourceVersions alone would not do: a dry run keeps the old
    one, and the second apply of a bare Namespace writes a
    ``before-first-apply`` managedFields entry, a new resourceVersion for no
    change a user would call a change.
    """
    if before is None:
        return "created"
    return "unchanged" if _content(before) == _content(after) else "configured"


class _StatusCodes:
    """A transport hook that remembers, per thread, the status of the last PATCH: 201 means created.

    ``ResourceClient.apply`` returns the body only; the hook sees the reply
    of the request the same thread just made. Installed once per transport
    and never removed, so that no other thread's hook list changes under it.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self, info: Any) -> None:
        if getattr(info, "method", None) == "PATCH":
            self._local.status = getattr(info, "status", None)

    def clear(self) -> None:
        self._local.status = None

    def last(self) -> Optional[int]:
        return getattr(self._local, "status", None)


_HOOK_LOCK = threading.Lock()


def _status_codes(dyn: Any) -> Optional[_StatusCodes]:
    transport = getattr(dyn, "transport", None)
    hooks = getattr(transport, "hooks", None)
    if transport is None or hooks is None:
        return None
    with _HOOK_LOCK:
        for hook in hooks:
            if isinstance(hook, _StatusCodes):
                return hook
        hook = _StatusCodes()
        transport.add_hook(hook)
        return hook


def apply_manifests(
    dyn: "DynamicClient",
    source: ManifestSource,
    *,
    namespace: Optional[str] = None,
    field_manager: str = "dynclient",
    force: bool = False,
    dry_run: bool = False,
    wait_for_crds: bool = True,
    crd_timeout: float = 60.0,
    stop_on_error: bool = True,
    progress: Optional[Progress] = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    report_changes: bool = False,
    keep_replies: bool = False,
) -> List[ManifestResult]:
    """Server-side apply every object of ``source`` (see ``iter_documents``), in dependency order.

    ``namespace`` is where namespaced objects without one go (default: the
    context's namespace); an object naming another namespace fails, as with
    ``kubectl apply -n``. ``force`` takes over fields other managers own.
    A CRD whose kind comes later in the source is waited for until
    Established (at most ``crd_timeout`` seconds) before that kind's
    objects, unless ``wait_for_crds`` is false or on ``dry_run``, where the
    resources of a CRD that does not exist yet fail with a note saying so.
    Returns a ``ManifestResult`` per object, whose action is ``created``
    (the PATCH answered 201), ``applied`` or ``failed``; with
    ``report_changes`` a GET before each PATCH tells ``configured`` from
    ``unchanged``. ``keep_replies`` keeps each server reply on
    ``result.object``. ``concurrency`` objects of one kind are sent at once
    (1: one by one, as kubectl does). ``stop_on_error=False`` goes on past
    failures and past unusable documents (failed ``invalid`` results).
    """
    loaded = _load(source, namespace, stop_on_error=stop_on_error, operation="apply", need_names=True)
    codes = None if report_changes else _status_codes(dyn)

    def step(client: ResourceClient, body: Obj, doc: Document) -> Tuple[str, Optional[Obj]]:
        if report_changes:
            before = _get_or_none(client, doc.name)
            reply = client.apply(body, field_manager=field_manager, force=force, dry_run=dry_run,
                                 field_validation=STRICT)
            return apply_action(before, reply), reply
        if codes is not None:
            codes.clear()
        reply = client.apply(body, field_manager=field_manager, force=force, dry_run=dry_run,
                                 field_validation=STRICT)
        return ("created" if codes is not None and codes.last() == 201 else "applied"), reply

    return _install(dyn, loaded, "apply", step, namespace=namespace, dry_run=dry_run,
                    stop_on_error=stop_on_error, progress=progress, crd_timeout=crd_timeout,
                    wait_for_crds=wait_for_crds, concurrency=concurrency, keep_replies=keep_replies)


def create_manifests(
    dyn: "DynamicClient",
    source: ManifestSource,
    *,
    namespace: Optional[str] = None,
    field_manager: Optional[str] = None,
    dry_run: bool = False,
    wait_for_crds: bool = True,
    crd_timeout: float = 60.0,
    stop_on_error: bool = True,
    progress: Optional[Progress] = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    keep_replies: bool = False,
) -> List[ManifestResult]:
    """Create (POST) every object of ``source``, in the same order and with the same CRD wait as apply.

    An object that exists already fails with ``AlreadyExists``, as with
    ``kubectl create -f``. ``metadata.generateName`` works here; the
    result carries the generated name.
    """
    loaded = _load(source, namespace, stop_on_error=stop_on_error, operation="create", need_names=False)

    def step(client: ResourceClient, body: Obj, doc: Document) -> Tuple[str, Optional[Obj]]:
        return "created", client.create(body, dry_run=dry_run, field_manager=field_manager,
                                        field_validation=STRICT)

    return _install(dyn, loaded, "create", step, namespace=namespace, dry_run=dry_run,
                    stop_on_error=stop_on_error, progress=progress, crd_timeout=crd_timeout,
                    wait_for_crds=wait_for_crds, concurrency=concurrency, keep_replies=keep_replies)


def _install(dyn: "DynamicClient", loaded: _Loaded, operation: str, step: Step, *,
             namespace: Optional[str], dry_run: bool, stop_on_error: bool, progress: Optional[Progress],
             crd_timeout: float, wait_for_crds: bool, concurrency: int, keep_replies: bool) -> List[ManifestResult]:
    """Run ``step`` over the documents in install order, waiting for the CRDs later objects need."""
    run = _Run(dyn, loaded.documents, operation=operation, namespace=namespace, dry_run=dry_run,
               stop_on_error=stop_on_error, progress=progress, crd_timeout=crd_timeout, wait_for_crds=wait_for_crds,
               concurrency=concurrency, keep_replies=keep_replies, invalid=loaded.invalid)
    return run.run(sort_for_install(loaded.documents), step)


def delete_manifests(
    dyn: "DynamicClient",
    source: ManifestSource,
    *,
    namespace: Optional[str] = None,
    ignore_not_found: bool = False,
    propagation_policy: Optional[str] = "Background",
    dry_run: bool = False,
    stop_on_error: bool = True,
    progress: Optional[Progress] = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    keep_replies: bool = False,
) -> List[ManifestResult]:
    """Delete every object of ``source``, in the reverse of the install order (Namespaces last).

    ``propagation_policy`` is ``Background`` by default, as ``kubectl
    delete`` sends it (``--cascade=background``): dependents are deleted by
    the garbage collector, not orphaned. ``None`` leaves it to the server
    (which orphans the pods of a ReplicationController). Does not wait for
    objects to go (a Namespace stays Terminating until its contents are
    gone). An object that does not exist fails with ``NotFound``, as kubectl
    does, unless ``ignore_not_found``: then its action is ``"not found"``,
    and so is that of a custom resource whose CRD (in the same source) is
    already gone.
    """
    if propagation_policy not in (None, "Orphan", "Background", "Foreground"):
        raise ValueError(f"propagation_policy must be Orphan, Background or Foreground, got {propagation_policy!r}")
    loaded = _load(source, namespace, stop_on_error=stop_on_error, operation="delete", need_names=True)

    def step(client: ResourceClient, body: Obj, doc: Document) -> Tuple[str, Optional[Obj]]:
        try:
            reply = client.delete(doc.name, propagation_policy=propagation_policy, dry_run=dry_run)
        except NotFound:
            if not ignore_not_found:
                raise
            return "not found", None
        return "deleted", reply

    run = _Run(dyn, loaded.documents, operation="delete", namespace=namespace, dry_run=dry_run,
               stop_on_error=stop_on_error, progress=progress, concurrency=concurrency, keep_replies=keep_replies,
               invalid=loaded.invalid)
    run.missing_kind_is_not_found = ignore_not_found
    return run.run(sort_for_delete(loaded.documents), step)
