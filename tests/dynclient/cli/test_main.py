"""Argument parsing, dispatch, exit codes and error reporting of ``dynclient``."""

from __future__ import annotations

import importlib
import logging
import sys

import pytest

from dynclient.cli import api_resources, get
from dynclient.cli.checkerr import UsageError
from dynclient.cli.main import main, parse_args

main_module = importlib.import_module("dynclient.cli.main")  # the package exports the function as .main

GLOBAL_CASES = [
    ("before-command", ["--kubeconfig", "k", "--context", "c", "-n", "ns", "get", "po"]),
    ("after-command", ["get", "po", "--kubeconfig", "k", "--context", "c", "-n", "ns"]),
    ("mixed", ["--kubeconfig=k", "get", "--context=c", "po", "--namespace=ns"]),
    ("short-attached", ["-nns", "get", "--kubeconfig", "k", "po", "--context", "c"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in GLOBAL_CASES], ids=[c[0] for c in GLOBAL_CASES])
def test_global_flags_in_any_position(argv):
    args = parse_args(argv)
    assert (args.kubeconfig, args.context, args.namespace, args.command, args.resources) == ("k", "c", "ns", "get", ["po"])


@pytest.mark.parametrize("argv", [
    ["-v=6", "get", "po"], ["--v=6", "get", "po"], ["get", "po", "-v", "6"], ["get", "po", "--v", "6"], ["-v6", "get", "po"],
], ids=["short-equals", "long-equals", "short-space-after", "long-space-after", "short-attached"])
def test_verbosity_forms(argv):
    assert parse_args(argv).v == 6


def test_defaults():
    args = parse_args(["get", "po"])
    assert (args.kubeconfig, args.context, args.namespace, args.all_namespaces, args.cache_dir, args.v) == (
        None, None, None, False, None, 0)
    assert (args.output, args.selector, args.chunk_size, args.ignore_not_found) == ("", "", 500, False)


@pytest.mark.parametrize("argv,expected", [
    (["-A", "get", "po"], True), (["get", "po", "--all-namespaces"], True),
    (["get", "po", "--all-namespaces=true"], True), (["get", "po", "--all-namespaces=false"], False),
], ids=["short-before", "long-after", "equals-true", "equals-false"])
def test_all_namespaces(argv, expected):
    assert parse_args(argv).all_namespaces is expected


@pytest.mark.parametrize("argv,expected", [
    (["api-resources"], None), (["api-resources", "--namespaced"], True), (["api-resources", "--namespaced=false"], False),
    (["api-resources", "--namespaced", "false"], False), (["api-resources", "--namespaced=true"], True),
], ids=["unset", "bare", "equals-false", "space-false", "equals-true"])
def test_namespaced_flag_remembers_whether_it_was_given(argv, expected):
    assert parse_args(argv).namespaced is expected


def test_repeated_and_comma_verbs():
    args = parse_args(["api-resources", "--verbs", "list,watch", "--verbs=get"])
    from dynclient.cli.flags import csv_values

    assert csv_values(args.verbs) == ["list", "watch", "get"]


@pytest.mark.parametrize("argv,message", [
    (["get", "--bogus"], "Error: unknown flag: --bogus\nSee 'dynclient get --help' for usage.\n"),
    (["get", "-n"], "Error: flag needs an argument: 'n' in -n\nSee 'dynclient get --help' for usage.\n"),
    (["get", "--namespace"], "Error: flag needs an argument: --namespace\nSee 'dynclient get --help' for usage.\n"),
    (["nosuch"], "Error: unknown command \"nosuch\" for \"dynclient\"\n"),
    (["delet"], "Error: unknown command \"delet\" for \"dynclient\"\n\nDid you mean this?\n\tdelete\n\n"),
    (["get", "--bogus=1"], "Error: unknown flag: --bogus\nSee 'dynclient get --help' for usage.\n"),
    (["get", "-x"], "Error: unknown shorthand flag: 'x' in -x\nSee 'dynclient get --help' for usage.\n"),
    (["get", "-Ax"], "Error: unknown shorthand flag: 'x' in -x\nSee 'dynclient get --help' for usage.\n"),
    (["-v=abc", "get", "po"], 'Error: invalid argument "abc" for "-v, --v" flag: strconv.ParseInt: parsing "abc": '
                              "invalid syntax\nSee 'dynclient get --help' for usage.\n"),
    (["get", "po", "--chunk-size=1e3"], 'Error: invalid argument "1e3" for "--chunk-size" flag: strconv.ParseInt: '
                                        "parsing \"1e3\": invalid syntax\nSee 'dynclient get --help' for usage.\n"),
    (["--no-headers=maybe", "get", "po"], 'Error: invalid argument "maybe" for "--no-headers" flag: strconv.ParseBool: '
                                          "parsing \"maybe\": invalid syntax\nSee 'dynclient get --help' for usage.\n"),
    (["api-resources", "-A"], "Error: unknown shorthand flag: 'A' in -A\nSee 'dynclient api-resources --help' for usage.\n"),
    (["api-resources", "--all-namespaces"],
     "Error: unknown flag: --all-namespaces\nSee 'dynclient api-resources --help' for usage.\n"),
    (["--token"], "Error: flag needs an argument: --token\nSee 'dynclient --help' for usage.\n"),
    (["api-resources", "extra"],
     "error: unexpected arguments: [extra]\nSee 'dynclient api-resources -h' for help and examples\n"),
    (["get", "--cached=maybe"], None),
], ids=["unknown-flag", "missing-value-short", "missing-value-long", "unknown-command", "unknown-command-suggested",
        "unknown-flag-with-value", "unknown-shorthand", "unknown-shorthand-after-bool", "bad-verbosity", "bad-int",
        "bad-bool-before-command", "api-resources-has-no-A", "api-resources-has-no-all-namespaces", "global-needs-value",
        "unexpected-argument", "bad-bool"])
def test_usage_errors_exit_1_with_kubectls_words(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    if message is not None:
        assert err == message
    else:
        assert err.startswith("Error: invalid argument \"maybe\" for \"--cached\" flag")


def test_get_without_a_type(capsys):
    assert main(["get"]) == 1
    assert capsys.readouterr().err == (
        'You must specify the type of resource to get. Use "dynclient api-resources" for a complete list of '
        "supported resources.\n\nerror: Required resource not specified.\nSee 'dynclient get -h' for help and examples\n")


@pytest.mark.parametrize("argv", [["--help"], ["get", "--help"]], ids=["top", "command"])
def test_help_exits_0(argv, capsys):
    assert main(argv) == 0
    assert "usage: dynclient" in capsys.readouterr().out


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "api-resources" in capsys.readouterr().out


# -- dispatch and error handling, with the command replaced ---------------------------


@pytest.fixture
def command(monkeypatch):
    """Replace ``get``'s implementation; returns a setter for what it should do."""
    holder = {}

    def fake_run(session, args):
        return holder["action"](session, args)

    monkeypatch.setattr(get, "run", fake_run)
    return lambda action: holder.__setitem__("action", action)


def test_exit_code_of_the_command(command):
    command(lambda session, args: 0)
    assert main(["get", "po"]) == 0


def test_error_is_one_line_without_traceback(command, capsys):
    def fail(session, args):
        raise ValueError("bad input")

    command(fail)
    assert main(["get", "po"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "error: bad input\n"
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("argv,env", [(["-v=9", "get", "po"], None), (["get", "po"], "1")], ids=["v9", "env"])
def test_traceback_on_request(command, capsys, monkeypatch, argv, env):
    if env:
        monkeypatch.setenv("DYNCLIENT_TRACEBACK", env)

    def fail(session, args):
        raise ValueError("bad input")

    command(fail)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.endswith("error: bad input\n")


def test_keyboard_interrupt_exits_130_quietly(command, capsys):
    def interrupted(session, args):
        raise KeyboardInterrupt

    command(interrupted)
    assert main(["get", "po"]) == 130
    assert capsys.readouterr().err == ""


def test_broken_pipe_exits_quietly(command, capsys, monkeypatch):
    monkeypatch.setattr(main_module, "_silence_stdout", lambda: None)

    def broken(session, args):
        raise BrokenPipeError

    command(broken)
    assert main(["get", "po"]) == 141
    assert capsys.readouterr().err == ""


def test_v6_logs_requests_on_stderr_and_cleans_up(command, capsys):
    def log_a_request(session, args):
        logging.getLogger("dynclient.transport").debug("%s %s %s in %d milliseconds", "GET", "https://h/api", 200, 5)
        return 0

    command(log_a_request)
    assert main(["get", "po", "-v=6"]) == 0
    err = capsys.readouterr().err
    assert "] GET https://h/api 200 in 5 milliseconds\n" in err and err.startswith("I")
    assert main(["get", "po"]) == 0
    assert capsys.readouterr().err == ""


def test_session_sees_global_flags(command):
    seen = {}

    def record(session, args):
        seen.update(ns=session.explicit_namespace, all=session.all_namespaces, v=session.verbosity)
        return 0

    command(record)
    main(["-n", "demo", "get", "po", "-A", "--v=3"])
    assert seen == {"ns": "demo", "all": True, "v": 3}


def test_usage_error_raised_by_a_command_names_it(monkeypatch, capsys):
    def usage(session, args):
        raise UsageError("resource(s) were provided, but no name was specified", cobra=False)

    monkeypatch.setattr(api_resources, "run", usage)
    assert main(["api-resources"]) == 1
    assert capsys.readouterr().err == ("error: resource(s) were provided, but no name was specified\n"
                                       "See 'dynclient api-resources -h' for help and examples\n")


def test_python_m_dynclient_entry_point():
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "dynclient", "nosuch"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and 'unknown command "nosuch"' in proc.stderr


@pytest.mark.parametrize("argv,command", [
    (["get", "po"], "get"),
    (["-n", "logs", "get", "po"], "get"),  # a namespace named like a command is the flag's value
    (["--namespace", "exec", "version"], "version"),
    (["--namespace=exec", "version"], "version"),
    (["-v", "6", "port-forward", "p", "80"], "port-forward"),
    (["-A", "get", "cm"], "get"),
    (["gett"], ""),
    (["--", "get"], ""),
    ([], ""),
], ids=["plain", "value-like-command", "long-value", "inline-value", "verbosity-value", "bool-flag", "unknown",
        "dashdash", "empty"])
def test_only_the_command_run_is_imported(argv, command):
    from dynclient.cli.main import _command_token

    assert _command_token(argv) == command


def test_a_command_module_loads_only_when_it_runs():
    import subprocess
    import sys

    code = ("import sys; from dynclient.cli.main import parse_args; parse_args(['version', '--client']);"
            "print(sorted(m for m in sys.modules if m.startswith('dynclient.cli.') and m.endswith(('get', 'apply', 'cp'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
