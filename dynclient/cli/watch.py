"""``dynclient watch``: one line per change to a resource, until Ctrl-C or ``--timeout``.

Output format (not kubectl's; ``kubectl get -w`` prints table rows)::

    ADDED configmap/cfg (default)
    MODIFIED deployment.apps/web (prod)
    DELETED namespace/old

that is ``<EVENT> <kind.group>/<name>`` followed by `` (<namespace>)`` for
namespaced objects. The watch starts from the current state, so every
existing object is first reported as ADDED. Lines are flushed as they come,
so the output can be piped. Ctrl-C ends the watch and exits 0.
"""

from __future__ import annotations

import argparse
from typing import Any, Mapping, Sequence

from .printers import qualified_kind
from .session import Session

__all__ = ["NAME", "add_parser", "run", "event_line"]

NAME = "watch"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Print one line per change to a resource, until interrupted")
    p.add_argument("resource", metavar="TYPE", help="the resource to watch (any kubectl name: po, deploy.apps...)")
    p.add_argument("name", nargs="?", default=None, help="watch only the object of this name")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="stop after this many seconds")
    p.add_argument("-l", "--selector", default="", help="Label selector to filter on.")
    p.add_argument("--field-selector", default="", help="Field selector to filter on.")
    return p


def event_line(event_type: str, obj: Mapping[str, Any], kind: str, group: str) -> str:
    """``ADDED configmap/x (ns)``: the event, ``kind.group/name`` and the namespace if any."""
    meta = obj.get("metadata") or {}
    line = f"{event_type} {qualified_kind(str(obj.get('kind') or kind), group)}/{meta.get('name', '')}"
    namespace = meta.get("namespace")
    return f"{line} ({namespace})" if namespace else line


def run(session: Session, args: argparse.Namespace) -> int:
    rc = session.client().resource(args.resource)
    if rc.namespaced:
        rc = rc.namespace(None if session.all_namespaces else session.namespace)
    gvk = rc.gvk
    stream = rc.watch(name=args.name, timeout_seconds=args.timeout, label_selector=args.selector or None,
                      field_selector=args.field_selector or None)
    try:
        for event_type, obj in stream:
            session.stdout.write(event_line(event_type, obj, gvk.kind, gvk.group) + "\n")
            session.stdout.flush()
    except KeyboardInterrupt:
        pass
    finally:
        stream.stop()
    return 0
