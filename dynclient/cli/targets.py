"""The objects a command acts on, found as kubectl's resource builder finds them.

``find`` takes what ``label``, ``annotate``, ``patch`` and ``scale`` take:
``TYPE NAME...``, ``TYPE/NAME...``, ``TYPE[,TYPE] -l SELECTOR | --all``, or
``-f PATH``. Each object is fetched (the builder's ``Latest()``), so every
target carries the server's copy; an object that is not there is an error
at its place in the order (kubectl's ContinueOnError), and the others go on.
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from discovery.errors import StatusError

from .manifest_files import KubectlError

__all__ = ["Target", "Visit", "find", "split_resource_args", "NO_RESOURCES"]

NO_RESOURCES = ("You must provide one or more resources by argument or filename.\n"
                "Example resource specifications include:\n"
                "   '-f rsrc.yaml'\n"
                "   '--filename=rsrc.json'\n"
                "   '<resource> <name>'\n"
                "   '<resource>'")

SLASH_FORM = ("there is no need to specify a resource type as a separate argument when passing arguments in "
              "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
              "'kubectl get resource resource/<resource_name>'")


class Target(NamedTuple):
    """One object (kubectl's ``resource.Info``): its resource client, name, server copy and source file."""

    client: Any
    name: str
    obj: Optional[Dict[str, Any]]
    source: str = ""


#: A visited object, or the error that stands in its place.
Visit = Union[Target, BaseException]


def split_resource_args(items: Sequence[str]) -> Tuple[List[Tuple[str, str]], str, List[str]]:
    """``(TYPE/NAME pairs, "TYPE[,TYPE]", names)`` from positional arguments, refusing mixed forms."""
    if any("/" in a for a in items):
        pairs = []
        for a in items:
            kind, slash, name = a.partition("/")
            if not slash:
                raise KubectlError(SLASH_FORM)
            if not kind or not name:
                raise KubectlError("arguments in resource/name form must have a single resource and name")
            pairs.append((kind, name))
        return pairs, "", []
    return [], items[0] if items else "", list(items[1:])


def find(session: Any, resources: Sequence[str], *, filenames: Sequence[str] = (), recursive: bool = False,
         selector: str = "", field_selector: str = "", select_all: bool = False,
         fetch: bool = True) -> Tuple[List[Visit], List[BaseException]]:
    """``(visits, eager)``: every object named or the error fetching it, in kubectl's order; and the file errors.

    ``eager`` are the builder's file-reading errors (bad documents, unknown
    kinds), which kubectl reports after the others as one aggregate. Errors
    that stop everything (an unknown type, a name without a type) are
    raised; ``fetch=False`` skips the GET for named objects (``obj`` is None).
    """
    if filenames:
        if resources:
            raise KubectlError("when paths, URLs, or stdin is provided as input, you may not specify resource "
                               "arguments as well")
        return _from_files(session, filenames, recursive, fetch)
    pairs, types, names = split_resource_args(list(resources))
    selecting = bool(select_all or selector or field_selector)
    if select_all and selector:
        raise KubectlError("setting 'all' parameter but found a non empty selector. ")
    if not pairs and not types:
        raise KubectlError(NO_RESOURCES)
    if types and not names and not selecting:
        raise KubectlError("resource(s) were provided, but no name was specified")
    if (pairs or names) and session.all_namespaces:
        raise KubectlError("a resource cannot be retrieved by name across all namespaces")
    dyn = session.client()

    def scoped(rc: Any) -> Any:
        if not rc.namespaced:
            return rc
        return rc.namespace(None if session.all_namespaces and selecting else session.namespace)

    named: List[Tuple[Any, str]]
    if pairs:
        named = [(scoped(dyn.resource(kind)), name) for kind, name in pairs]
    elif names:
        named = [(rc, name) for rc in [scoped(r) for r in dyn.resources(types)] for name in names]
    else:
        found: List[Visit] = []
        for rc in [scoped(r) for r in dyn.resources(types)]:
            for item in rc.iter(label_selector=selector or None, field_selector=field_selector or None):
                meta = item.get("metadata") or {}
                item_rc = rc.namespace(meta["namespace"]) if rc.namespaced and meta.get("namespace") else rc
                item.setdefault("apiVersion", _api_version(rc))
                item.setdefault("kind", rc.gvk.kind)
                found.append(Target(item_rc, meta.get("name", ""), item))
        return found, []
    return _fetch_all(named, fetch)


def _api_version(rc: Any) -> str:
    gvk = rc.gvk
    return f"{gvk.group}/{gvk.version}" if gvk.group else gvk.version


def _fetch_all(named: Sequence[Tuple[Any, str]], fetch: bool, sources: Sequence[str] = ()) -> Tuple[List[Visit], List[BaseException]]:
    visits: List[Visit] = []
    for i, (rc, name) in enumerate(named):
        source = sources[i] if i < len(sources) else ""
        if not fetch:
            visits.append(Target(rc, name, None, source))
            continue
        try:
            visits.append(Target(rc, name, rc.get(name), source))
        except StatusError as err:
            visits.append(err)
    return visits, []


def _from_files(session: Any, filenames: Sequence[str], recursive: bool, fetch: bool) -> Tuple[List[Visit], List[BaseException]]:
    from restmapper.errors import MappingError

    from dynclient.manifests import resolve_document

    from .apply import enforce_namespace, mapping_error
    from .manifest_files import read_sources

    sources = read_sources(filenames, recursive=recursive)
    errors: List[BaseException] = [e for _, e in enforce_namespace(session, sources, session.explicit_namespace)]
    dyn = session.client()
    named: List[Tuple[Any, str]] = []
    shown: List[str] = []
    eager: List[BaseException] = [e for _, e in sources.errors]
    for doc in sources.documents:
        try:
            mapping, ns = resolve_document(dyn, doc, namespace=session.explicit_namespace)
        except MappingError as err:
            eager.append(mapping_error(doc, err))
            continue
        rc = dyn.resource(mapping)
        named.append((rc.namespace(ns) if ns else rc, doc.name))
        shown.append(doc.source)
    visits, _ = _fetch_all(named, fetch, shown)
    return list(errors) + visits, eager
