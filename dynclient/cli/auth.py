"""``dynclient auth can-i VERB TYPE[/NAME] | VERB /URL``: ask the server, as ``kubectl auth can-i``.

One ``SelfSubjectAccessReview`` is created; the answer is ``yes`` (exit 0)
or ``no`` (exit 1), with the server's reason after ``no - `` when it gives
one. ``-q`` prints nothing. kubectl's warnings come first on stderr: a
verb it does not know, a cluster-scoped resource, a type the server does
not serve (each followed by an empty line, as kubectl prints them).
"""

from __future__ import annotations

import argparse
from typing import Any, Dict, Sequence

from discovery.types import GroupVersionResource

from .manifest_files import KubectlError
from .session import Session

__all__ = ["NAME", "add_parser", "run", "review_body", "RESOURCE_VERBS", "NON_RESOURCE_VERBS"]

NAME = "auth"

RESOURCE_VERBS = frozenset({"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use",
                            "bind", "impersonate", "*", "approve", "sign", "escalate", "attest"})
NON_RESOURCE_VERBS = frozenset({"get", "put", "post", "head", "options", "delete", "patch", "*"})
#: Names kubectl does not warn about although no resource serves them.
NON_STANDARD = frozenset({"users", "groups"})

TWO_ARGUMENTS = "you must specify two arguments: verb resource or verb resource/resourceName."


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Inspect authorization")
    p.set_defaults(group_help=p.format_help)
    inner = p.add_subparsers(dest="auth_command", metavar="SUBCOMMAND", parser_class=type(p))
    can_i = inner.add_parser("can-i", parents=list(parents), allow_abbrev=False, help="Check whether an action is allowed")
    can_i.command = f"{NAME} can-i"
    can_i.add_argument("words", nargs="*", metavar="VERB TYPE[/NAME] | VERB /URL")
    can_i.add_argument("-q", "--quiet", action="store_true", help="Print nothing; only the exit code answers.")
    can_i.add_argument("--subresource", default="", help="A subresource, such as pod/log or deployment/scale.")
    return p


def review_body(namespace: str, verb: str, gvr: GroupVersionResource, subresource: str, name: str,
                url: str = "") -> Dict[str, Any]:
    """The SelfSubjectAccessReview kubectl sends."""
    if url:
        spec: Dict[str, Any] = {"nonResourceAttributes": {"path": url, "verb": verb}}
    else:
        attributes = {"namespace": namespace, "verb": verb, "group": gvr.group, "resource": gvr.resource,
                      "subresource": subresource, "name": name}
        spec = {"resourceAttributes": {k: v for k, v in attributes.items() if v}}
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": spec}


def _warn(session: Session, message: str) -> None:
    session.stderr.write(f"Warning: {message}\n\n")


def _resource(session: Session, text: str) -> GroupVersionResource:
    """``resourceFor``: the served resource for a name, else the name as given (with kubectl's warning)."""
    from restmapper.errors import MappingError

    if text == "*":
        return GroupVersionResource("", "", "*")
    try:
        return session.client().resource(text.lower()).gvr
    except MappingError:
        resource, _, group = text.lower().partition(".")
        if f"{resource}.{group}".rstrip(".") not in NON_STANDARD:
            if group:
                _warn(session, f"the server doesn't have a resource type '{resource}' in group '{group}'")
            else:
                _warn(session, f"the server doesn't have a resource type '{resource}'")
        return GroupVersionResource("", "", text)


def run(session: Session, args: argparse.Namespace) -> int:
    if getattr(args, "auth_command", None) != "can-i":
        session.stdout.write(args.group_help())  # kubectl prints the group's help and succeeds
        return 0
    words = list(args.words)
    if len(words) != 2:
        raise KubectlError(f"{TWO_ARGUMENTS}\nSee 'dynclient auth can-i -h' for help and examples.")
    verb, what = words
    url = what if what.startswith("/") else ""
    gvr, name = GroupVersionResource("", "", ""), ""
    if url:
        if args.subresource:
            raise KubectlError("--subresource can not be used with NonResourceURL")
        if verb not in NON_RESOURCE_VERBS:
            _warn(session, f"verb '{verb}' is not a known verb")
    else:
        resource, _, name = what.partition("/")
        gvr = _resource(session, resource)
        if not session.all_namespaces and gvr.version:
            try:
                namespaced = session.client().resource(gvr).namespaced
            except Exception:  # noqa: BLE001 - kubectl skips the warning when discovery cannot say
                namespaced = True
            if not namespaced:
                where = f" in group '{gvr.group}'" if gvr.group else ""
                _warn(session, f"resource '{gvr.resource}' is not namespace scoped{where}")
        if verb not in RESOURCE_VERBS:
            _warn(session, f"verb '{verb}' is not a known verb")
    namespace = "" if session.all_namespaces else session.namespace
    dyn = session.client()
    reviews = dyn.resource(GroupVersionResource("authorization.k8s.io", "v1", "selfsubjectaccessreviews"))
    reply = reviews.create(review_body(namespace, verb, gvr, args.subresource, name, url))
    status = reply.get("status") or {}
    allowed = bool(status.get("allowed"))
    if not args.quiet:
        if allowed:
            session.stdout.write("yes\n")
        else:
            line = "no"
            if status.get("reason"):
                line += f" - {status['reason']}"
            if status.get("evaluationError"):
                line += f" - {status['evaluationError']}"
            session.stdout.write(line + "\n")
    return 0 if allowed else 1
