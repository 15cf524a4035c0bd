"""The tab writer against outputs of Go's text/tabwriter and liggitt/tabwriter (kubectl's)."""

from __future__ import annotations

import io

import pytest

from dynclient.cli.tabwriter import ALIGN_RIGHT, DEBUG, DISCARD_EMPTY_COLUMNS, REMEMBER_WIDTHS, TabWriter, new_tab_writer


def kubectl_layout(*writes: str) -> str:
    out = io.StringIO()
    w = TabWriter(out, 6, 4, 3, " ", 0)
    for text in writes:
        w.write(text)
    w.flush()
    return out.getvalue()


# Expected values are what Go's text/tabwriter.NewWriter(out, 6, 4, 3, ' ', 0) writes
# (the parameters of cli-runtime's GetNewTabWriter, without RememberWidths).
KUBECTL_CASES = [
    ("one-row", "a\tb\tc\n", "a     b     c\n"),
    ("min-width-then-max-plus-3", "NAME\tAGE\nx\t1s\nlonger-name\t10m\n",
     "NAME          AGE\nx             1s\nlonger-name   10m\n"),
    ("blank-line-splits-blocks", "a\tb\n\nc\td\n", "a     b\n\nc     d\n"),
    ("empty-cell", "a\t\tc\nxx\tyyy\tz\n", "a           c\nxx    yyy   z\n"),
    ("unicode-counts-code-points", "héllo\twörld\tx\nab\tc\td\n", "héllo   wörld   x\nab      c       d\n"),
    ("shorter-row", "a\tb\tc\nd\te\n", "a     b     c\nd     e\n"),
    ("column-block-only-where-contiguous", "a\tb\nc\td\te\tf\ng\th\n",
     "a     b\nc     d     e     f\ng     h\n"),
    ("no-tabs", "x\ny\n", "x\ny\n"),
    ("trailing-tab-pads-last-column", "trailing\t\nab\tc\n", "trailing   \nab         c\n"),
    ("text-without-newline", "no newline\tat end", "no newline   at end"),
    ("wide-characters-count-as-one", "日本\tx\nab\ty\n", "日本    x\nab    y\n"),
    ("last-cell-never-padded", "NAME\tKIND\tCATEGORIES\nx\tPod\t\n", "NAME   KIND   CATEGORIES\nx      Pod    \n"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in KUBECTL_CASES], ids=[c[0] for c in KUBECTL_CASES])
def test_kubectl_parameters(text, expected):
    assert kubectl_layout(text) == expected


@pytest.mark.parametrize("chunks", [["NAME\tAGE\nx\t1s\n"], ["NA", "ME\tA", "GE\nx\t", "1s\n"], list("NAME\tAGE\nx\t1s\n")],
                         ids=["whole", "pieces", "char-by-char"])
def test_split_writes_give_the_same_result(chunks):
    assert kubectl_layout(*chunks) == "NAME   AGE\nx      1s\n"


# Go's text/tabwriter.NewWriter(out, 0, 8, 1, '.', AlignRight|Debug)
DEBUG_CASES = [
    ("one-row", "a\tb\tc\n", ".a|.b|c\n"),
    ("aligned-right", "NAME\tAGE\nx\t1s\nlonger-name\t10m\n", "........NAME|AGE\n...........x|1s\n.longer-name|10m\n"),
    ("blank-line", "a\tb\n\nc\td\n", ".a|b\n\n.c|d\n"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in DEBUG_CASES], ids=[c[0] for c in DEBUG_CASES])
def test_align_right_and_debug(text, expected):
    out = io.StringIO()
    w = TabWriter(out, 0, 8, 1, ".", ALIGN_RIGHT | DEBUG)
    w.write(text)
    w.flush()
    assert out.getvalue() == expected


def test_discard_empty_columns_only_soft_ones():
    out = io.StringIO()
    w = TabWriter(out, 0, 8, 1, " ", DISCARD_EMPTY_COLUMNS)
    w.write("a\v\vb\nc\v\vd\n")
    w.flush()
    assert out.getvalue() == "a b\nc d\n"


def test_tab_padding_uses_tab_stops():
    out = io.StringIO()
    w = TabWriter(out, 0, 8, 1, "\t", 0)
    w.write("a\tb\nlonger-text\tc\n")
    w.flush()
    assert out.getvalue() == "a\t\tb\nlonger-text\tc\n"


def test_remember_widths_keeps_columns_wide_across_flushes():
    # liggitt/tabwriter: a single-cell line flushes, but RememberWidths keeps the widest column seen.
    out = io.StringIO()
    w = TabWriter(out, 6, 4, 3, " ", REMEMBER_WIDTHS)
    w.write("long-name-here\tx\n\nab\ty\n")
    w.flush()
    assert out.getvalue() == "long-name-here   x\n\nab               y\n"


def test_forgetting_remembered_widths():
    out = io.StringIO()
    w = TabWriter(out, 6, 4, 3, " ", REMEMBER_WIDTHS)
    w.write("long-name-here\tx\n")
    w.flush()
    assert w.remembered_widths() == [17]
    w.set_remembered_widths(None)
    w.write("ab\ty\n")
    w.flush()
    assert out.getvalue() == "long-name-here   x\nab    y\n"


def test_new_tab_writer_is_kubectls():
    w = new_tab_writer(io.StringIO())
    assert (w.minwidth, w.tabwidth, w.padding, w.padchar, w.flags) == (6, 4, 3, " ", REMEMBER_WIDTHS)


@pytest.mark.parametrize("args", [(-1, 8, 1), (0, -1, 1), (0, 8, -1)], ids=["minwidth", "tabwidth", "padding"])
def test_negative_parameters_are_refused(args):
    with pytest.raises(ValueError):
        TabWriter(io.StringIO(), *args)
