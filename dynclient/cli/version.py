"""``dynclient version``: the client's version and the server's ``/version``, laid out as ``kubectl version``.

::

    Client Version: v0.1.0
    Server Version: v1.36.3

The client is dynclient, not kubectl, so its line (and ``clientVersion``
in ``-o json|yaml``) names dynclient's version, and there is no Kustomize
line nor kubectl's version-skew warning. The server part is kubectl's,
byte for byte: ``serverVersion`` holds ``version.Info``'s nine fields in
their order.
"""

from __future__ import annotations

import argparse
import json
import platform
from typing import Any, Dict, List, Mapping, Sequence

from .manifest_files import KubectlError
from .session import Session

__all__ = ["NAME", "add_parser", "run", "client_info", "INFO_FIELDS"]

NAME = "version"

#: ``k8s.io/apimachinery/pkg/version.Info``, in its field order.
INFO_FIELDS = ("major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler",
               "platform")


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Print the client and server version information")
    p.add_argument("--client", action="store_true", help="If true, shows client version only (no server required).")
    p.add_argument("-o", "--output", default="", help="One of 'yaml' or 'json'.")
    return p


def client_info() -> Dict[str, str]:
    from discovery._version import __version__

    major, _, rest = __version__.partition(".")
    minor = rest.partition(".")[0]
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return {"major": major, "minor": minor, "gitVersion": f"v{__version__}", "gitCommit": "", "gitTreeState": "",
            "buildDate": "", "goVersion": f"python{platform.python_version()}",
            "compiler": platform.python_implementation().lower(), "platform": f"{platform.system().lower()}/{arch}"}


def _info(server: Mapping[str, Any]) -> Dict[str, str]:
    return {key: str(server.get(key) or "") for key in INFO_FIELDS}


def _go_string(text: str) -> str:
    # encoding/json: HTML characters escaped, the rest as is.
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _json(document: Dict[str, Dict[str, str]]) -> str:
    """``json.MarshalIndent(v, "", "  ")`` of the version struct (fields in struct order)."""
    lines: List[str] = ["{"]
    keys = list(document)
    for i, key in enumerate(keys):
        info = document[key]
        lines.append(f"  {_go_string(key)}: {{")
        fields = list(info)
        for j, field in enumerate(fields):
            comma = "," if j < len(fields) - 1 else ""
            lines.append(f"    {_go_string(field)}: {_go_string(info[field])}{comma}")
        lines.append("  }" + ("," if i < len(keys) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def run(session: Session, args: argparse.Namespace) -> int:
    if args.output not in ("", "json", "yaml"):
        raise KubectlError("--output must be 'yaml' or 'json'")
    document: Dict[str, Dict[str, str]] = {"clientVersion": client_info()}
    if not args.client:
        document["serverVersion"] = _info(session.client().discovery.server_version())
    if args.output == "json":
        session.stdout.write(_json(document))
    elif args.output == "yaml":
        from . import goyaml

        session.stdout.write(goyaml.marshal(document))
    else:
        session.stdout.write(f"Client Version: {document['clientVersion']['gitVersion']}\n")
        if "serverVersion" in document:
            session.stdout.write(f"Server Version: {document['serverVersion']['gitVersion']}\n")
    return 0
