"""Error messages as kubectl prints them (kubectl ``pkg/cmd/util/helpers.go``: ``CheckErr``).

``error_text(exc)`` is the text kubectl's ``checkErr`` hands to ``fatal``
for one error; ``report(exc)`` is what reaches stderr (every line ends with a
newline). Examples::

    Error from server (NotFound): configmaps "x" not found
    error: You must be logged in to the server (Unauthorized)
    The ConfigMap "x" is invalid: data[a b]: Invalid value: "a b": ...
    error: the server doesn't have a resource type "foo"
    error: <anything else>
"""

from __future__ import annotations

import re
from typing import Iterable, List, Sequence
from urllib.parse import urlsplit

from discovery.errors import StatusError, TransportError
from discovery.gostrings import go_quote

__all__ = ["AggregateError", "UsageError", "error_text", "report"]


class AggregateError(Exception):
    """Several errors reported together, one per line (apimachinery ``utilerrors.Aggregate``)."""

    def __init__(self, errors: Sequence[BaseException]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class UsageError(Exception):
    """Bad command-line usage; ``command`` names the subcommand for the help hint."""

    def __init__(self, message: str, *, command: str = "", cobra: bool = True, hint: bool = True) -> None:
        self.command = command
        self.cobra = cobra  # flag-parsing errors (cobra's "Error: ...") vs kubectl's UsageErrorf ("error: ...")
        self.hint = hint  # cobra's unknown-command error has no "See ... --help" line
        super().__init__(message)

    def text(self, program: str = "dynclient") -> str:
        path = f"{program} {self.command}".strip()
        if self.cobra and not self.hint:
            return f"Error: {self}\n"
        if self.cobra:
            return f"Error: {self}\nSee '{path} --help' for usage.\n"
        return f"error: {self}\nSee '{path} -h' for help and examples\n"


def _standard_message(err: BaseException) -> str:
    """``StandardErrorMessage``: the text for API and connection errors, or ``""``."""
    if isinstance(err, StatusError):
        if err.reason == "Unauthorized":
            return f"error: You must be logged in to the server ({_unauthorized_message(err)})"
        if err.reason:
            return f"Error from server ({err.reason}): {err.message}"
        return f"Error from server: {err.message}"
    if isinstance(err, TransportError):
        text = str(err)
        m = re.match(r"^[A-Z]+ (\S+): (?:\w+: )?(.*)$", text, re.S)
        url, reason = (m.group(1), m.group(2)) if m else ("", text)
        if "connection refused" in reason.lower() or "Connection refused" in reason:
            host = urlsplit(url).netloc or url
            return f"The connection to the server {host} was refused - did you specify the right host or port?"
        return f"Unable to connect to the server: {reason}"
    return ""


#: client-go's text for a 401 whose body it does not read as a Status (``NewGenericServerResponse``).
UNAUTHORIZED_GENERIC = "the server has asked for the client to provide credentials"


def _is_discovery_path(url: str) -> bool:
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if parts[:1] == ["api"]:
        return len(parts) <= 2
    if parts[:1] == ["apis"]:
        return len(parts) <= 3
    return parts == ["version"]


def _unauthorized_message(err: StatusError) -> str:
    """kubectl words a 401 met during discovery with client-go's generic text, other 401s with the server's.

    Discovery (``/api``, ``/apis/g/v``, ``/version``) asks for
    ``apidiscovery.k8s.io`` types, so client-go cannot decode the Status in
    the 401 reply and falls back to ``UNAUTHORIZED_GENERIC``; a plain GET of
    an object reads the server's own message (``Unauthorized``).
    ``--raw`` sets ``verbatim`` on the error: it reads the body as is.
    """
    if err.url and _is_discovery_path(err.url) and not getattr(err, "verbatim", False):
        return UNAUTHORIZED_GENERIC
    return err.message


def _message_for(err: BaseException) -> str:
    return _standard_message(err) or str(err)


def _invalid_text(err: StatusError) -> str:
    # kubectl's checkErr (isInvalidReasonStatusError): with no details, or with neither kind, name nor
    # causes, the server's message follows "The request is invalid: ".
    details = err.status.get("details")
    message = err.message
    if not isinstance(details, dict):
        return f"The request is invalid: {message}" if message else "The request is invalid"
    kind, name = details.get("kind") or "", details.get("name") or ""
    if kind or name:
        head = f"The {kind} {go_quote(name)} is invalid"
    elif message and not details.get("causes"):
        head = f"The request is invalid: {message}"
    else:
        head = "The request is invalid"
    causes: List[str] = []
    for cause in details.get("causes") or []:
        line = f"{cause.get('field', '')}: {cause.get('message', '')}"
        if line not in causes:
            causes.append(line)
    if not causes:
        return head
    head += ": "
    if len(causes) == 1:
        return f"{head}{causes[0]}\n"
    return head + "\n" + "".join(f"* {c}\n" for c in causes)


def error_text(err: BaseException) -> str:
    """What kubectl's ``checkErr`` prints for ``err`` (without the final newline, unless multi-line)."""
    if isinstance(err, AggregateError):
        if len(err.errors) == 1:
            return error_text(err.errors[0])
        return "".join(f"{_message_for(e)}\n" for e in err.errors)
    if isinstance(err, StatusError) and err.reason == "Invalid":
        return _invalid_text(err)
    if isinstance(err, UsageError):
        return err.text()
    message = _standard_message(err)
    if message:
        return message
    message = str(err) or type(err).__name__
    return message if message.startswith("error: ") else f"error: {message}"


def report(err: BaseException) -> str:
    """The exact bytes kubectl writes to stderr for ``err`` (``fatal`` adds the missing newline)."""
    text = error_text(err)
    return text if text.endswith("\n") else text + "\n"


def lines(errors: Iterable[BaseException]) -> str:
    """Errors printed one per line, as ``MultipleErrors`` does for an aggregate."""
    return "".join(f"{_message_for(e)}\n" for e in errors)
