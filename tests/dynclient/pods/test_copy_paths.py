"""kubectl cp's path arithmetic (``dynclient.pods.cppath``): Go's ``path`` semantics at the edges where they decide
where bytes land. Expected values are Go's (``path.Clean`` and friends, kubectl's ``filespec.go``)."""

from __future__ import annotations

import os

import pytest

from dynclient.pods import cppath
from dynclient.pods.cppath import FileSpec, FileSpecError


@pytest.mark.parametrize("given,want", [
    ("", "."), ("a/../..", ".."), ("/../a", "/a"), ("//a//b/", "/a/b"), ("./a/./b/.", "a/b"),
    ("a/b/../../..", ".."), ("../../x", "../../x"), ("/", "/"), ("..", ".."),
], ids=["empty", "climb", "rooted-climb", "double-slash", "dots", "over-climb", "leading-dotdot", "root", "dotdot"])
def test_clean_is_go_path_clean(given: str, want: str) -> None:
    assert cppath.clean(given) == want


@pytest.mark.parametrize("given,want", [("a", "."), ("/a", "/"), ("a/b/", "a/b"), ("", "."), ("/", "/"),
                                        ("a/b/c", "a/b")],
                         ids=["bare", "rooted", "trailing-slash", "empty", "root", "nested"])
def test_dir_of_is_go_path_dir(given: str, want: str) -> None:
    assert cppath.dir_of(given) == want


@pytest.mark.parametrize("given,want", [("", "."), ("/", "/"), ("a/b/", "b"), ("a", "a"), ("//", "/"),
                                        ("src/.", ".")],
                         ids=["empty", "root", "trailing-slash", "bare", "slashes", "dot"])
def test_base_is_go_path_base(given: str, want: str) -> None:
    assert cppath.base(given) == want


@pytest.mark.parametrize("elems,want", [
    (("a", "", "b"), "a/b"), (("", ""), ""), (("a", "../.."), ".."), (("/", ".."), "/"),
    (("out", "/etc/passwd"), "out/etc/passwd"), (("out", "/"), "out"), (("out", "x/../../y"), "y"),
], ids=["skips-empty", "all-empty", "climbs", "root-stays", "absolute-joined-inside", "slash", "cleaned"])
def test_join_is_go_path_join(elems: tuple, want: str) -> None:
    assert cppath.join(*elems) == want


@pytest.mark.parametrize("base,target,want", [
    ("a", "a/b", "b"), ("a", "b", "../b"), (".", "..", ".."), ("/a", "b", None), ("..", "x", None),
    ("a", "a", "."), ("a/b", "a", ".."), ("/", "/etc", "etc"),
], ids=["below", "beside", "above-dot", "rooted-vs-relative", "base-climbs", "same", "parent", "root"])
def test_rel_is_go_filepath_rel(base: str, target: str, want: object) -> None:
    assert cppath.rel(base, target) == want


@pytest.mark.parametrize("base,target,want", [
    ("out", "out", True), ("out", "out/x", True), ("out", "outx", False), ("out", "x", False),
    (".", "x", True), (".", "..", False), ("/", "/etc", True), ("a/b", "a", False), ("out", "/out/x", False),
], ids=["itself", "below", "prefix-not-parent", "beside", "dot-base", "dot-parent", "root", "parent",
        "rooted-target"])
def test_is_relative_is_kubectls(base: str, target: str, want: bool) -> None:
    assert cppath.is_relative(base, target) is want


@pytest.mark.parametrize("remote,want", [
    ("/tmp/foo", "tmp/foo"), ("dst/", "dst"), ("dst/.", "dst"), ("./dst", "dst"), ("../../x", "x"),
    (".", ""), ("..", ""), ("/", ""), ("a\\b", "a/b"), ("a/../b", "b"),
], ids=["absolute", "trailing-slash", "trailing-dot", "leading-dot", "climbs", "dot", "dotdot", "root",
        "backslash", "inner-dotdot"])
def test_tar_prefix_is_what_members_must_start_with(remote: str, want: str) -> None:
    assert cppath.tar_prefix(remote) == want


@pytest.mark.parametrize("arg,want", [
    ("pod:/x", FileSpec("/x", "pod")), ("ns/pod:x/", FileSpec("x", "pod", "ns")), ("local/", FileSpec("local")),
    ("pod:", FileSpec("", "pod")), ("pod:a:b", FileSpec("a:b", "pod")), ("pod:a\\b", FileSpec("a/b", "pod")),
    ("a/b", FileSpec("a/b")), ("/abs//", FileSpec("/abs/")),
], ids=["pod", "namespace", "local-trailing-slash", "empty-path", "second-colon", "backslash", "local-nested",
        "one-slash-off"])
def test_parse_file_spec(arg: str, want: FileSpec) -> None:
    assert cppath.parse_file_spec(arg) == want


@pytest.mark.parametrize("arg", [":x", "a/b/c:x"], ids=["leading-colon", "three-pieces"])
def test_parse_file_spec_refuses_with_kubectls_text(arg: str) -> None:
    with pytest.raises(FileSpecError, match=r"^filespec must match the canonical format: \[\[namespace/\]pod:\]"):
        cppath.parse_file_spec(arg)


@pytest.mark.parametrize("text,want", [
    ("a b", '"a b"'), ('a"b', '"a\\"b"'), ("ü ñ", '"ü ñ"'), ("\t\n", '"\\t\\n"'), (os.fsdecode(b"x\xff"), '"x\\xff"'),
    ("\x7f", '"\\x7f"'), ("\u200b", '"\\u200b"'),
], ids=["space", "quote", "unicode", "controls", "undecodable-byte", "del", "zero-width"])
def test_go_quote(text: str, want: str) -> None:
    assert cppath.go_quote(text) == want
