"""Hostile YAML: alias bombs, deep nesting and fuzzed text end in a clear error, fast, in bounded memory.

The rule (issue 13): a clear error in dynclient's error tree naming the
file, bounded time and memory, nothing executed and nothing leaked. go-yaml
(kubectl) refuses alias bombs with "document contains excessive aliasing";
dynclient keeps its alias budget and the same words.
"""

from __future__ import annotations

import json
import math
import string
import time
import tracemalloc
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynclient.errors import DynclientError, ManifestError
from dynclient.kyaml import MAX_DEPTH, KYAMLError, PyKubectlLoader, load_all, safe_load
from dynclient.manifests import load_manifests

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n"


def laughs(levels: int = 9, width: int = 9) -> str:
    """The classic: each level a list of ``width`` aliases to the level before (width**levels strings)."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return HEAD + "data:\n" + "".join(f"  {line}\n" for line in lines)


def merge_laughs(levels: int = 9, width: int = 9) -> str:
    """The same through merge keys: each level a mapping of mappings merging the level before."""
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: v" for j in range(width)) + "}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i} {{" + ", ".join(f"k{j}: {{<<: *m{i - 1}, own: {j}}}" for j in range(width)) + "}")
    return HEAD + "data:\n" + "".join(f"  {line}\n" for line in lines)


def mapping_laughs(levels: int = 9, width: int = 9) -> str:
    """Nested mappings whose values are aliases."""
    lines = ["n0: &n0 {a: lol}"]
    for i in range(1, levels):
        lines.append(f"n{i}: &n{i} {{" + ", ".join(f"k{j}: *n{i - 1}" for j in range(width)) + "}")
    return HEAD + "data:\n" + "".join(f"  {line}\n" for line in lines)


def kubeconfig_bomb() -> str:
    """A bomb inside an exec plugin's extensions, as issue 13 tried it."""
    body = laughs().split("data:\n", 1)[1]
    return ("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n"
            "      apiVersion: client.authentication.k8s.io/v1\n      command: cred\n"
            "      env: []\n      extensions:\n" + "".join(f"        {line}\n" for line in body.splitlines()))


def _bounded(call: Callable[[], Any], *, seconds: float = 1.0, megabytes: float = 64) -> BaseException:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - the caller checks the type
        error = exc
    else:  # pragma: no cover - the test fails below
        error = AssertionError("no error")
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f}s"
    assert peak < megabytes * 1024 * 1024, f"peak memory {peak / 2**20:.0f} MiB"
    return error


BOMBS = [
    ("billion-laughs", laughs),
    ("wide-laughs", lambda: laughs(levels=5, width=60)),
    ("merge-keys", merge_laughs),
    ("mapping-aliases", mapping_laughs),
]


@pytest.mark.parametrize("make", [b[1] for b in BOMBS], ids=[b[0] for b in BOMBS])
def test_alias_bombs_fail_fast_naming_the_file(make):
    text = make()
    error = _bounded(lambda: list(load_all(text, source="bomb.yaml")))
    assert isinstance(error, KYAMLError) and isinstance(error, DynclientError)
    assert str(error).startswith("bomb.yaml: document 0") and "document contains excessive aliasing" in str(error)
    error = _bounded(lambda: list(load_manifests(text)))
    assert isinstance(error, ManifestError) and "document contains excessive aliasing" in str(error)


def test_alias_bomb_in_a_kubeconfig():
    error = _bounded(lambda: safe_load(kubeconfig_bomb(), source="/home/u/.kube/config"))
    assert isinstance(error, KYAMLError)
    assert str(error).startswith("/home/u/.kube/config: line ") and "excessive aliasing" in str(error)


def test_alias_bomb_on_the_pure_python_parser():
    error = _bounded(lambda: list(load_all(laughs(), source="b.yaml", loader=PyKubectlLoader)), seconds=3)
    assert isinstance(error, KYAMLError) and "excessive aliasing" in str(error)


def test_ordinary_aliases_are_within_the_budget():
    # A CI template: one anchor used 300 times, and merge keys, as Helm and GitLab files use them.
    text = (HEAD + "data:\n  base: &base {image: nginx, pull: Always, env: [{name: A, value: '1'}]}\n"
            + "".join(f"  job{i}: {{<<: *base, name: job{i}}}\n" for i in range(300))
            + "".join(f"  copy{i}: *base\n" for i in range(300)))
    (obj,) = load_manifests(text)
    assert obj["data"]["job299"] == {"image": "nginx", "pull": "Always", "env": [{"name": "A", "value": "1"}],
                                     "name": "job299"}
    assert obj["data"]["copy0"] == obj["data"]["base"]


DEEP = [
    ("flow-lists-100000", HEAD + "data: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ("flow-maps-100000", HEAD + "data: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n"),
    ("block-maps-3000", HEAD + "data:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(3000))),
    ("block-lists-3000", HEAD + "data:\n" + "".join(" " * (i + 1) + "-\n" for i in range(3000)) + " " * 3001 + "x\n"),
    ("just-over-the-limit", HEAD + "data: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"),
    ("json-100000", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": '
     + '{"a": ' * 100_000 + "1" + "}" * 100_001),
    ("json-over-the-limit", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": '
     + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"),
]


@pytest.mark.parametrize("text", [d[1] for d in DEEP], ids=[d[0] for d in DEEP])
def test_deep_nesting_is_a_clear_error(tmp_path, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    error = _bounded(lambda: list(load_manifests(path)), seconds=2, megabytes=128)
    assert isinstance(error, ManifestError), repr(error)
    assert str(error).startswith(f"{path}: document 0")
    assert "depth" in str(error)


def test_deep_nesting_in_a_single_document_read():
    error = _bounded(lambda: safe_load("a: " + "[" * 100_000, source="cfg"), seconds=2)
    assert isinstance(error, KYAMLError) and str(error).startswith("cfg: line ")


def test_as_deep_as_allowed_still_loads_and_encodes():
    text = HEAD + "data: " + "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2) + "\n"
    (obj,) = load_manifests(text)
    json.dumps(obj)


# -- properties ------------------------------------------------------------------------------------

YAMLISH = st.text(alphabet=string.ascii_letters[:8] + string.digits[:4] + " \n\t-:?,[]{}&*!|>'\"%@#<.~=\\_+",
                  max_size=300)


def _json_types_only(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None and not isinstance(item, (str, bool, int, float)):
            return False
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_any_text_gives_json_values_or_a_kyaml_error(text):
    try:
        docs = list(load_all(text, source="fuzz.yaml"))
    except KYAMLError as err:
        assert str(err).startswith("fuzz.yaml: document ")
        assert err.source == "fuzz.yaml" and (err.line is None or err.line >= 1)
        return
    for value, line in docs:
        assert line >= 1
        assert _json_types_only(value)
        json.dumps(value, allow_nan=False)


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_any_text_through_the_manifest_loader_raises_only_manifest_errors(text):
    try:
        for obj in load_manifests(text.encode()):
            json.dumps(obj, allow_nan=False)
    except ManifestError as err:
        assert str(err).startswith("<bytes>")


def _as_kubectl_reads(value: Any) -> Any:
    """What kubectl's unstructured object holds for a JSON value: integral floats are ints, wide ints floats."""
    if isinstance(value, dict):
        return {k: _as_kubectl_reads(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_kubectl_reads(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 9.2e18:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and not -(1 << 63) <= value < (1 << 63):
        return float(value)
    return value


# The Basic Multilingual Plane: json.dumps writes other characters as surrogate pairs (\\ud800\\udc00),
# which YAML's \\u escape does not take (go-yaml refuses them too; kubectl reads such input as JSON).
BMP_TEXT = st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=20)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | BMP_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(BMP_TEXT, children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=2000)
@given(JSON_VALUES)
def test_json_is_yaml(value):
    text = json.dumps({"v": value})
    assert safe_load(text, source="j.json") == {"v": _as_kubectl_reads(value)}


SECRETS = st.text(alphabet=string.ascii_letters + string.digits, min_size=16, max_size=40)
BREAKAGE = st.sampled_from(["  bad: [unclosed\n", " wrong: indent\n", "\tkey: tab\n", "x: *nowhere\n",
                            "key: 'open\n", "- item\n", "k: !!int nope\n", "k: .inf\n", "---- x\n"])


@settings(max_examples=150, deadline=2000)
@given(SECRETS, BREAKAGE)
def test_errors_never_show_a_secret_value(secret, breakage):
    text = (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData:\n  token: {secret}\n"
            f"  other: {secret}\n{breakage}")
    try:
        list(load_all(text, source="secret.yaml"))
    except KYAMLError as err:
        assert secret not in str(err)


@pytest.mark.parametrize("text", [d[1] for d in DEEP if not d[0].startswith("json")],
                         ids=[d[0] for d in DEEP if not d[0].startswith("json")])
def test_deep_nesting_on_the_pure_python_parser(text):
    error = _bounded(lambda: list(load_all(text, source="deep.yaml", loader=PyKubectlLoader)), seconds=5,
                     megabytes=128)
    assert isinstance(error, KYAMLError), repr(error)
    assert str(error).startswith("deep.yaml: document 0") and "depth" in str(error)
