"""kubectl's error nesting, in-order printing and intermixed positionals (dynclient.cli.objects)."""

from __future__ import annotations

import argparse
import io

import pytest

from discovery.errors import status_error_from_response
from dynclient.cli.checkerr import AggregateError, report
from dynclient.cli.manifest_files import KubectlError
from dynclient.cli.objects import GoAggregate, InOrder, builder_error, fail, go_text, intermixed


def _not_found(name: str):
    body = b'{"kind":"Status","reason":"NotFound","code":404,"message":"configmaps \\"%s\\" not found"}' % name.encode()
    return status_error_from_response(404, body)


@pytest.mark.parametrize("errors,expected", [
    ([KubectlError("a")], "a"),
    ([KubectlError("a"), KubectlError("b")], "[a, b]"),
    ([KubectlError("a"), KubectlError("a")], "a"),
    ([KubectlError("a"), GoAggregate([KubectlError("b"), KubectlError("c")])], "[a, b, c]"),
    ([_not_found("x"), KubectlError("b")], '[configmaps "x" not found, b]'),
], ids=["one", "two", "duplicates-dropped", "nested-flattened", "status-is-its-message"])
def test_go_aggregate_text(errors, expected):
    assert go_text(GoAggregate(errors)) == expected


def test_builder_error_puts_the_eager_errors_last_as_one():
    err = builder_error([KubectlError("per-object")], [KubectlError("e1"), KubectlError("e2")])
    assert isinstance(err, GoAggregate) and str(err) == "[per-object, e1, e2]"
    assert builder_error([], []) is None
    assert str(builder_error([], [KubectlError("only")])) == "only"


def _reported(errors) -> str:
    try:
        fail(errors)
    except Exception as err:  # noqa: BLE001 - whatever fail raises is what the CLI reports
        return report(err)
    return ""


@pytest.mark.parametrize("errors,expected", [
    ([], ""),
    ([KubectlError("x")], "error: x\n"),
    ([GoAggregate([KubectlError("x")])], "error: x\n"),
    ([GoAggregate([KubectlError("x"), KubectlError("y")])], "x\ny\n"),
    ([GoAggregate([KubectlError("x"), KubectlError("y")]), _not_found("c")],
     '[x, y]\nError from server (NotFound): configmaps "c" not found\n'),
], ids=["none", "one", "aggregate-of-one", "aggregate-lines", "nested-on-one-line"])
def test_fail_reports_like_check_err(errors, expected):
    assert _reported(errors) == expected


def test_fail_raises_an_aggregate_for_several():
    with pytest.raises(AggregateError):
        fail([KubectlError("a"), KubectlError("b")])


def test_in_order_waits_for_earlier_positions():
    out = io.StringIO()
    printer = InOrder(out, [1, 2, 3])
    printer.add(2, "second")
    assert out.getvalue() == ""
    printer.add(1, "first")
    assert out.getvalue() == "first\nsecond\n"
    printer.add(3, None)
    printer.finish()
    assert out.getvalue() == "first\nsecond\n"


def test_in_order_finish_prints_what_is_left():
    out = io.StringIO()
    printer = InOrder(out, [1, 2])
    printer.add(2, "late")
    printer.finish()
    assert out.getvalue() == "late\n"


@pytest.mark.parametrize("argv,names,flag", [
    (["cm", "a", "--now"], ["cm", "a"], True),
    (["cm", "--now", "a", "b"], ["cm", "a", "b"], True),
    (["--now", "cm", "a"], ["cm", "a"], True),
    (["cm", "--", "-a"], ["cm", "-a"], False),
], ids=["flags-last", "flags-between", "flags-first", "after-dashes"])
def test_intermixed_positionals(argv, names, flag):
    p = argparse.ArgumentParser()
    p.add_argument("args", nargs="*")
    p.add_argument("--now", action="store_true")
    intermixed(p, "args")
    ns, rest = p.parse_known_args(argv)
    assert (ns.args, ns.now, rest) == (names, flag, [])
