"""``dynclient config view|get-contexts|current-context|use-context``, as ``kubectl config`` prints them.

The kubeconfig files are those kubectl reads (``--kubeconfig``, else
``$KUBECONFIG``'s list, else ``~/.kube/config``), merged by kubectl's rules:
the first file to name a cluster, user or context wins, and the first
``current-context`` set wins. Relative file paths are shown absolute.

``config view`` hides secrets as kubectl does (``RedactSecrets`` and
``ShortenConfig``): ``token``, ``password`` and ``client-key-data`` become
``REDACTED``, certificate data ``DATA+OMITTED``; ``--raw`` shows them.
YAML (the default) has sorted keys; ``-o json`` keeps the fields in the
order of clientcmd's v1 types.

``use-context`` writes ``current-context`` into the file that sets one
(else the first file), re-encoding that file as kubectl does.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict, List, Sequence, Tuple

from .manifest_files import KubectlError
from .session import Session

__all__ = ["NAME", "add_parser", "run", "merged", "view_document", "redact"]

NAME = "config"

CLUSTER_FIELDS = ("server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority",
                  "certificate-authority-data", "proxy-url", "disable-compression", "extensions")
USER_FIELDS = ("client-certificate", "client-certificate-data", "client-key", "client-key-data", "token",
               "tokenFile", "as", "as-uid", "as-groups", "as-user-extra", "username", "password", "auth-provider",
               "exec", "extensions")
CONTEXT_FIELDS = ("cluster", "user", "namespace", "extensions")
#: Fields holding a file path, resolved against the kubeconfig file's directory.
PATH_FIELDS = {"cluster": ("certificate-authority",), "user": ("client-certificate", "client-key", "tokenFile")}


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Modify or view kubeconfig files")
    p.set_defaults(group_help=p.format_help)
    inner = p.add_subparsers(dest="config_command", metavar="SUBCOMMAND", parser_class=type(p))
    view = inner.add_parser("view", parents=list(parents), allow_abbrev=False, help="Display merged kubeconfig settings")
    view.add_argument("--minify", action="store_true", help="Only the settings of the current context.")
    view.add_argument("--raw", action="store_true", help="Display raw byte data and sensitive data.")
    view.add_argument("-o", "--output", default="yaml", help="yaml (default) or json.")
    get = inner.add_parser("get-contexts", parents=list(parents), allow_abbrev=False,
                           help="Describe one or many contexts")
    get.add_argument("names", nargs="*")
    get.add_argument("-o", "--output", default="", help="name: only the names.")
    get.add_argument("--no-headers", action="store_true", help="Don't print headers.")
    inner.add_parser("current-context", parents=list(parents), allow_abbrev=False,
                     help="Display the current-context")
    use = inner.add_parser("use-context", parents=list(parents), allow_abbrev=False,
                           help="Set the current-context in a kubeconfig file")
    use.add_argument("name", nargs="?")
    for each in (view, get, use):
        each.command = f"{NAME} {each.prog.split()[-1]}"
    return p


# -- reading ----------------------------------------------------------------------------------

def _files(session: Session) -> Tuple[List[str], bool]:
    """The kubeconfig files, and whether they were named explicitly (then they must exist)."""
    explicit = getattr(session.args, "kubeconfig", None)
    if explicit:
        return [explicit], True
    env = os.environ.get("KUBECONFIG", "")
    if env:
        return list(dict.fromkeys(e for e in env.split(os.pathsep) if e)), False
    return [os.path.join(os.path.expanduser("~"), ".kube", "config")], False


def _load(path: str) -> Dict[str, Any]:
    import yaml

    with open(path, "rb") as fh:
        data = yaml.safe_load(fh.read().decode("utf-8-sig")) or {}
    if not isinstance(data, dict):
        raise KubectlError(f"error loading config file \"{path}\": the kubeconfig is not a mapping")
    return data


def _resolved(entry: Dict[str, Any], kind: str, base: str) -> Dict[str, Any]:
    body = dict(entry.get(kind) or {})
    for key in PATH_FIELDS.get(kind, ()):
        value = body.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            body[key] = os.path.join(base, value)
    return body


def merged(paths: Sequence[str], must_exist: bool) -> Dict[str, Any]:
    """clientcmd's merge of ``paths``: ``{"clusters": {name: body}, "users": ..., "contexts": ..., ...}``."""
    out: Dict[str, Any] = {"clusters": {}, "users": {}, "contexts": {}, "current-context": "", "preferences": {},
                           "extensions": {}}
    for path in paths:
        if not os.path.exists(path):
            if must_exist:
                raise KubectlError(f"stat {path}: no such file or directory")
            continue
        data = _load(path)
        base = os.path.dirname(os.path.abspath(path))
        for section, kind in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            for entry in data.get(section) or []:
                if isinstance(entry, dict) and entry.get("name") and entry["name"] not in out[section]:
                    out[section][entry["name"]] = _resolved(entry, kind, base)
        if not out["current-context"] and data.get("current-context"):
            out["current-context"] = data["current-context"]
        for key, value in (data.get("preferences") or {}).items():
            out["preferences"].setdefault(key, value)
        for entry in data.get("extensions") or []:
            if isinstance(entry, dict) and entry.get("name"):
                out["extensions"].setdefault(entry["name"], entry.get("extension"))
    return out


# -- config view --------------------------------------------------------------------------------

def redact(config: Dict[str, Any]) -> Dict[str, Any]:
    """``RedactSecrets`` + ``ShortenConfig``: what ``kubectl config view`` shows instead of secrets."""
    users = {}
    for name, user in config["users"].items():
        user = dict(user)
        for key in ("token", "password", "client-key-data"):
            if user.get(key):
                user[key] = "REDACTED"
        if user.get("client-certificate-data"):
            user["client-certificate-data"] = "DATA+OMITTED"
        users[name] = user
    clusters = {}
    for name, cluster in config["clusters"].items():
        cluster = dict(cluster)
        if cluster.get("certificate-authority-data"):
            cluster["certificate-authority-data"] = "DATA+OMITTED"
        clusters[name] = cluster
    return {**config, "users": users, "clusters": clusters}


def minify(config: Dict[str, Any], context: str) -> Dict[str, Any]:
    """``clientcmdapi.MinifyConfig``: only ``context``, its cluster and its user."""
    if not context:
        raise KubectlError("current-context must exist in order to minify")
    ctx = config["contexts"].get(context)
    if ctx is None:
        raise KubectlError(f'cannot locate context {context}')
    cluster, user = ctx.get("cluster", ""), ctx.get("user", "")
    out = {**config, "contexts": {context: ctx}, "current-context": context}
    out["clusters"] = {cluster: config["clusters"][cluster]} if cluster in config["clusters"] else {}
    out["users"] = {user: config["users"][user]} if user in config["users"] else {}
    return out


def _ordered(body: Dict[str, Any], fields: Sequence[str]) -> Dict[str, Any]:
    out = {k: body[k] for k in fields if body.get(k) not in (None, "", [], {}, False)}
    out.update({k: v for k, v in body.items() if k not in fields and v not in (None, "", [], {})})
    return out


def view_document(config: Dict[str, Any]) -> Dict[str, Any]:
    """The v1 ``Config`` object, fields in struct order, empty ones left out as ``omitempty`` does."""
    doc: Dict[str, Any] = {"kind": "Config", "apiVersion": "v1", "preferences": dict(config["preferences"])}
    for section, kind, fields in (("clusters", "cluster", CLUSTER_FIELDS), ("users", "user", USER_FIELDS),
                                  ("contexts", "context", CONTEXT_FIELDS)):
        doc[section] = [{"name": name, kind: _ordered(body, fields)} for name, body in sorted(config[section].items())]
    doc["current-context"] = config["current-context"]
    if config["extensions"]:
        doc["extensions"] = [{"name": n, "extension": e} for n, e in sorted(config["extensions"].items())]
    return doc


def _go_json(doc: Any) -> str:
    text = json.dumps(doc, indent=4, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def _view(session: Session, args: argparse.Namespace, config: Dict[str, Any]) -> None:
    if args.output not in ("yaml", "json"):
        raise KubectlError(f'unable to match a printer suitable for the output format "{args.output}", '
                           "allowed formats are: json,yaml")
    if args.minify:
        config = minify(config, getattr(session.args, "context", None) or config["current-context"])
    if not args.raw:
        config = redact(config)
    doc = view_document(config)
    if args.output == "json":
        session.stdout.write(_go_json(doc))
    else:
        from . import goyaml

        session.stdout.write(goyaml.marshal(doc))


# -- get-contexts, current-context, use-context --------------------------------------------------

def _get_contexts(session: Session, args: argparse.Namespace, config: Dict[str, Any]) -> None:
    from .tabwriter import new_tab_writer

    if args.output not in ("", "name"):
        raise KubectlError(f"output must be one of '' or 'name': {args.output}")
    contexts = config["contexts"]
    names = sorted(args.names) if args.names else sorted(contexts)
    missing = [n for n in names if n not in contexts]
    if args.output == "name":
        for name in names:
            if name in contexts:
                session.stdout.write(name + "\n")
    else:
        out = new_tab_writer(session.stdout)
        if not args.no_headers:
            out.write("CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n")
        for name in names:
            if name not in contexts:
                continue
            ctx = contexts[name]
            current = "*" if name == config["current-context"] else ""
            out.write(f"{current}\t{name}\t{ctx.get('cluster', '')}\t{ctx.get('user', '')}\t"
                      f"{ctx.get('namespace', '')}\n")
        out.flush()
    if missing:
        from .checkerr import AggregateError

        errors = [KubectlError(f"context {n} not found") for n in missing]
        raise errors[0] if len(errors) == 1 else AggregateError(errors)


def _target_file(paths: Sequence[str]) -> str:
    """Where kubectl writes ``current-context``: the first file that sets it, else the first file."""
    for path in paths:
        if os.path.exists(path) and _load(path).get("current-context"):
            return path
    return paths[0]


def _use_context(session: Session, args: argparse.Namespace, config: Dict[str, Any], paths: Sequence[str]) -> None:
    if not args.name:
        raise KubectlError("Unexpected args: []")
    if args.name not in config["contexts"]:
        raise KubectlError(f'no context exists with the name: "{args.name}"')
    path = _target_file(paths)
    _write_current_context(path, args.name)
    session.stdout.write(f'Switched to context "{args.name}".\n')


def _write_current_context(path: str, name: str) -> None:
    """Write ``path`` back with ``current-context: name``, serialized as kubectl writes a kubeconfig.

    kubectl (``clientcmd.ModifyConfig``) re-encodes the whole file: sorted
    keys, empty fields dropped, ``preferences: {}``; comments do not survive.
    Paths stay as the file wrote them.
    """
    from . import goyaml

    single = merged([path], False) if os.path.exists(path) else merged([], False)
    for section, kind in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
        if os.path.exists(path):
            single[section] = {e["name"]: dict(e.get(kind) or {}) for e in _load(path).get(section) or []
                               if isinstance(e, dict) and e.get("name")}
    single["current-context"] = name
    text = goyaml.marshal(view_document(single))
    tmp = f"{path}.dynclient-tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o600)
    os.replace(tmp, path)


def run(session: Session, args: argparse.Namespace) -> int:
    command = getattr(args, "config_command", None)
    if not command:
        session.stdout.write(args.group_help())  # kubectl prints the group's help and succeeds
        return 0
    paths, must_exist = _files(session)
    config = merged(paths, must_exist)
    if command == "view":
        _view(session, args, config)
    elif command == "get-contexts":
        _get_contexts(session, args, config)
    elif command == "current-context":
        if not config["current-context"]:
            raise KubectlError("current-context is not set")
        session.stdout.write(config["current-context"] + "\n")
    elif command == "use-context":
        _use_context(session, args, config, paths)
    return 0
