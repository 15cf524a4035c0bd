"""``dynclient``: the command line. Argument parsing, global flags, dispatch and error reporting.

Global flags work before or after the command, as kubectl's persistent
flags do: ``--kubeconfig``, ``--context``, ``-n/--namespace``,
``-A/--all-namespaces``, ``--cache-dir`` and ``-v/--v`` (``-v=6``, ``--v 6``).

Exit codes follow kubectl: 0 on success, 1 for any error, usage errors
included (kubectl's cobra exits 1 too, where argparse would exit 2), 130
after Ctrl-C, 141 when stdout is a closed pipe (what a Go program killed by
SIGPIPE reports). Errors are one line on stderr in kubectl's words (see
``checkerr``); a Python traceback is added only with ``-v=9`` or higher, or
with ``DYNCLIENT_TRACEBACK=1`` in the environment.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, TextIO

from .checkerr import UsageError, report
from .flags import VALUE_ERROR_MARK, int_arg, parse_bool
from .suggest import unknown_command_message
from .session import Session

__all__ = ["main", "build_parser", "parse_args"]

PROG = "dynclient"
#: (command, module) in help order. A command's module is imported only when that command runs (or for
#: help): importing all of them cost a cold ``dynclient get`` about a third of its start-up.
COMMANDS = (("api-resources", "api_resources"), ("get", "get"), ("apply", "apply"), ("delete", "delete"),
            ("watch", "watch"), ("create", "create"), ("patch", "patch"), ("label", "label"),
            ("annotate", "annotate"), ("scale", "scale"), ("api-versions", "api_versions"), ("version", "version"),
            ("config", "config_cmd"), ("auth", "auth"), ("cluster-info", "cluster_info"), ("wait", "wait"),
            ("diff", "diff"), ("logs", "logs"), ("exec", "exec_cmd"), ("attach", "attach"),
            ("port-forward", "port_forward"), ("cp", "cp"))
COMMAND_NAMES = tuple(name for name, _ in COMMANDS)

#: Boolean flags that also accept ``--flag=true|false``, as pflag's bool flags do.
BOOL_FLAGS = frozenset({"all-namespaces", "cached", "no-headers", "ignore-not-found", "recursive", "force-conflicts",
                        "show-managed-fields", "server-side", "all", "now", "force", "overwrite", "local", "minify", "raw",
                        "quiet", "client", "follow", "timestamps", "previous", "stdin", "tty", "all-containers",
                        "prefix", "ignore-errors", "no-preserve", "insecure-skip-tls-verify-backend", "quiet"})


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as kubectl/cobra does instead of exiting 2."""

    command = ""
    #: The argv being parsed (set by ``parse_args``): pflag names a flag as the user spelled it.
    argv: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        if message.startswith(("argument COMMAND: invalid choice:", "argument command: invalid choice:")):
            bad = message.split("invalid choice:", 1)[1].split("(", 1)[0].strip().strip("'")
            raise UsageError(unknown_command_message(bad, PROG, COMMAND_NAMES), command="", hint=False)
        command = self.command or _command_in(self.argv)
        head, _, rest = message.partition(": ")
        options = head[len("argument "):].split("/") if head.startswith("argument -") else []
        if options and rest == "expected one argument":
            message = f"flag needs an argument: {_as_typed(options, self.argv)}"
        elif options and rest.startswith(VALUE_ERROR_MARK):
            message = rest[len(VALUE_ERROR_MARK):].replace("{flag}", _pflag_name(options))
        elif options and rest.startswith("ignored explicit argument "):
            # "-Ax": pflag reads the bool -A, then fails on the next shorthand letter.
            letter = rest[len("ignored explicit argument "):].strip("'")[:1]
            message = f"unknown shorthand flag: '{letter}' in -{rest[len('ignored explicit argument '):].strip(chr(39))}"
        raise UsageError(message, command=command)


def _pflag_name(options: Sequence[str]) -> str:
    """``-v, --v`` or ``--chunk-size``: how pflag names a flag in a value error."""
    short = [o for o in options if not o.startswith("--")]
    long = [o for o in options if o.startswith("--")]
    return ", ".join(short[:1] + long[:1]) if short and long else (long or short)[0]


def _as_typed(options: Sequence[str], argv: Sequence[str]) -> str:
    """``'o' in -o`` when the user typed the shorthand, ``--output`` otherwise (pflag's two wordings)."""
    for token in reversed(list(argv)):
        if token in options and not token.startswith("--"):
            return f"'{token[1:]}' in {token}"
        if token in options:
            return token
    return [o for o in options if o.startswith("--")][-1] if any(o.startswith("--") for o in options) else options[0]


def _command_in(argv: Sequence[str]) -> str:
    """The first argument that names a command: cobra finds the command before it parses any flag."""
    names = set(COMMAND_NAMES)
    for token in argv:
        if token == "--":
            break
        if token in names:
            return token
    return ""


def _global_flags() -> argparse.ArgumentParser:
    """The persistent flags; defaults are suppressed so a subcommand never overwrites them."""
    g = argparse.ArgumentParser(add_help=False, allow_abbrev=False, argument_default=argparse.SUPPRESS)
    g.add_argument("--kubeconfig", metavar="PATH", help="path to the kubeconfig file to use")
    g.add_argument("--context", metavar="NAME", help="the kubeconfig context to use")
    g.add_argument("-n", "--namespace", metavar="NS", help="the namespace scope for this request")
    g.add_argument("-A", "--all-namespaces", action="store_true",
                   help="list the requested object(s) across all namespaces")
    g.add_argument("--cache-dir", metavar="DIR", help="the discovery cache directory (default ~/.kube/cache)")
    g.add_argument("-v", "--v", type=int_arg(32, base=10), metavar="N", dest="v",
                   help="log level: 6 logs every request, 8 also the response bodies, 9 also tracebacks on errors")
    g.add_argument("--token", metavar="TOKEN", help="bearer token for authentication to the API server")
    g.add_argument("-s", "--server", metavar="URL", help="the address and port of the Kubernetes API server")
    g.add_argument("--as", metavar="USER", dest="as_user", help="username to impersonate for the operation")
    g.add_argument("--as-group", metavar="GROUP", action="append", dest="as_group",
                   help="group to impersonate for the operation (repeat for several)")
    g.add_argument("--as-uid", metavar="UID", dest="as_uid", help="UID to impersonate for the operation")
    g.add_argument("--request-timeout", metavar="DURATION", dest="request_timeout",
                   help="how long to wait for a single server request: 0 (no timeout), 5 (seconds), 5s, 1m...")
    return g


_DEFAULTS: Dict[str, Any] = {
    "kubeconfig": None, "context": None, "namespace": None, "all_namespaces": False, "cache_dir": None, "v": 0,
    "token": None, "server": None, "as_user": None, "as_group": [], "as_uid": None, "request_timeout": None,
}

#: Commands whose kubectl twin has no ``-A/--all-namespaces`` flag: there it is an unknown flag.
NO_ALL_NAMESPACES = frozenset({"api-resources", "apply", "create", "patch", "scale", "diff", "api-versions",
                               "version", "cluster-info", "config", "logs", "exec", "attach", "port-forward", "cp"})


def build_parser(only: str = "") -> argparse.ArgumentParser:
    """The parser: global flags plus one subparser per command (``only``: that command's alone)."""
    parents = [_global_flags()]
    parser = _Parser(prog=PROG, parents=parents, allow_abbrev=False,
                     description="Talk to any Kubernetes API server the way kubectl does.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS:
        if only and name != only:
            continue
        module = importlib.import_module(f"{__package__}.{module_name}")
        p = module.add_parser(sub, parents)
        p.command = module.NAME
        p.set_defaults(run=module.run)
    return parser


def _global_value_flags() -> frozenset:
    """The global flags that take a value as the next token (``-n NS``), to step over it."""
    return frozenset(opt for action in _global_flags()._actions if action.nargs != 0
                     for opt in action.option_strings)


def _command_token(argv: Sequence[str]) -> str:
    """The command ``argv`` runs, read as cobra finds it: the first argument that is no global flag or
    a global flag's value; "" when that is no known command (the full parser then reports it)."""
    takes_value = _global_value_flags()
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            return ""
        if token in takes_value:
            next(tokens, None)
        elif not token.startswith("-") or token == "-":
            return token if token in COMMAND_NAMES else ""
    return ""


def _bool_actions(parser: argparse.ArgumentParser, command: str) -> Dict[str, argparse.Action]:
    """The command's flags that take no value (store_true), by every spelling, with the global ones."""
    target = parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            target = action.choices[command]
    return {opt: a for opt, a in target._option_string_actions.items() if a.nargs == 0 and a.const is True}


def _normalize_bools(argv: Sequence[str], parser: Optional[argparse.ArgumentParser] = None) -> List[str]:
    """``--cached=false`` -> nothing, ``--cached=true`` / ``-w=true`` -> the bare flag (argparse has no such syntax).

    A flag is a bool when the command defines it as one (``get --raw`` takes a
    value where ``config view --raw`` does not); ``BOOL_FLAGS`` covers flags
    the parser does not know.
    """
    bools = _bool_actions(parser, _command_in(argv)) if parser is not None else {}
    out: List[str] = []
    for i, token in enumerate(argv):
        if token == "--":
            return out + list(argv[i:])
        flag, eq, value = token.partition("=")
        action = bools.get(flag) if token.startswith("-") else None
        is_bool = action is not None or (parser is None and flag.startswith("--") and flag[2:] in BOOL_FLAGS)
        if flag.startswith("--") and not action and parser is not None and flag[2:] in BOOL_FLAGS:
            is_bool = not any(o == flag for o in _value_options(parser, _command_in(argv)))
        if eq and is_bool and (flag.startswith("--") or len(flag) == 2):
            try:
                if parse_bool(value):
                    out.append(flag)
            except ValueError as err:
                name = _pflag_name(action.option_strings) if action is not None else flag
                raise UsageError(f'invalid argument "{value}" for "{name}" flag: {err}') from None
            continue
        out.append(token)
    return out


def _value_options(parser: argparse.ArgumentParser, command: str) -> List[str]:
    target = parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            target = action.choices[command]
    return [opt for opt, a in target._option_string_actions.items() if a.nargs != 0]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv`` (without the program name); raises ``UsageError`` for bad usage."""
    parser = build_parser(_command_token(argv))
    _Parser.argv = list(argv)
    try:
        normalized = _normalize_bools(argv, parser)
    except UsageError as err:
        err.command = err.command or _command_in(argv)
        raise
    args, extras = parser.parse_known_args(normalized)
    command = getattr(args, "command", None) or ""
    if extras:
        flags = [e for e in extras if e.startswith("-") and e != "-"]
        if flags:
            raise UsageError(_unknown_flag(flags[0]), command=command)
        raise UsageError(f"unexpected arguments: [{' '.join(extras)}]", command=command, cobra=False)
    if command in NO_ALL_NAMESPACES and getattr(args, "all_namespaces", False):
        typed = next((t for t in argv if t == "--all-namespaces" or t.startswith("--all-namespaces=")
                      or (t.startswith("-") and not t.startswith("--") and "A" in t)), "-A")
        raise UsageError(_unknown_flag(typed), command=command)
    for key, value in _DEFAULTS.items():
        if not hasattr(args, key):
            setattr(args, key, value)
    return args


def _unknown_flag(token: str) -> str:
    """pflag's words: ``unknown flag: --x`` (any ``=value`` dropped), ``unknown shorthand flag: 'x' in -x``."""
    if token.startswith("--"):
        return f"unknown flag: {token.partition('=')[0]}"
    return f"unknown shorthand flag: '{token[1:2]}' in {token}"


class _KlogFormatter(logging.Formatter):
    """``I1123 13:10:25.123456   12345 transport.py:261] message``, the shape of klog's lines."""

    def format(self, record: logging.LogRecord) -> str:
        level = "IWEF"[min(3, max(0, (record.levelno - logging.INFO) // 10))] if record.levelno >= logging.INFO else "I"
        stamp = time.strftime("%m%d %H:%M:%S", time.localtime(record.created))
        micros = int((record.created % 1) * 1_000_000)
        return (f"{level}{stamp}.{micros:06d} {record.process:>7} "
                f"{record.filename}:{record.lineno}] {record.getMessage()}")


def _configure_logging(verbosity: int, stream: TextIO) -> Callable[[], None]:
    """Send dynclient's debug log (request lines) to stderr from ``-v=6`` on; returns the undo."""
    if verbosity < 6:
        return lambda: None
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_KlogFormatter())
    logger = logging.getLogger("dynclient")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(old_level)

    return undo


def _want_traceback(verbosity: int) -> bool:
    return verbosity >= 9 or os.environ.get("DYNCLIENT_TRACEBACK", "") not in ("", "0")


def _silence_stdout() -> None:
    # After EPIPE, point stdout at /dev/null so the interpreter's final flush cannot fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    stdout, stderr = sys.stdout, sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_args(argv)
    except UsageError as err:
        stderr.write(err.text(PROG))
        return 1
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if not getattr(args, "run", None):
        build_parser().print_help(stdout)
        return 0

    session = Session(args, stdout, stderr)
    undo_logging = _configure_logging(session.verbosity, stderr)
    try:
        return int(args.run(session, args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except Exception as err:  # every error ends as kubectl's one line; -v=9 adds the traceback
        if isinstance(err, UsageError):
            err.command = err.command or args.command
        if _want_traceback(session.verbosity):
            for failure in getattr(err, "errors", None) or [err]:
                traceback.print_exception(type(failure), failure, failure.__traceback__, file=stderr)
        try:
            stdout.flush()
        except (BrokenPipeError, ValueError):
            pass
        stderr.write(report(err))
        return 1
    finally:
        undo_logging()
        session.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
