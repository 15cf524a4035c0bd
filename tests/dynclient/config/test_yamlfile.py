"""A JSON kubeconfig read by ``json`` gives exactly what kyaml gives, and anything doubtful still goes to kyaml."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dynclient import kyaml
from dynclient.config import ConfigError
from dynclient.config._yamlfile import _plain_json, decode_kubeconfig

KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "a", "preferences": {},
    "clusters": [{"name": "a", "cluster": {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True}}],
    "users": [{"name": "u", "user": {"token": "abc", "exec": None}}],
    "contexts": [{"name": "a", "context": {"cluster": "a", "user": "u", "namespace": "x"}}],
}


@pytest.mark.parametrize("text", [
    json.dumps(KUBECONFIG),
    json.dumps(KUBECONFIG, indent=2),
    json.dumps(KUBECONFIG, separators=(",", ":")),
    '{"a": 1, "a": 2}',  # duplicate keys: the last one wins in both
    '{"n": -9223372036854775808, "m": 9223372036854775807, "z": 0}',
    '{"s": "yes", "t": "0x1F", "u": "12:30", "v": "~", "w": "null", "x": "#c", "y": "&a *b !t |"}',
    '{"<<": {"k": 1}, "k": 2}',  # a quoted "<<" is a key, not a merge
    "{}",
], ids=["compact-default", "indented", "no-spaces", "duplicate-keys", "int64-bounds", "yaml-looking-strings",
        "quoted-merge-key", "empty"])
def test_plain_json_is_read_as_kyaml_reads_it(text: str) -> None:
    fast = _plain_json(text)
    assert fast is not None
    slow = kyaml.safe_load(text, source="k")
    assert fast == slow
    assert list(fast) == list(slow)


@pytest.mark.parametrize("text", [
    '{"a": 1.5}',  # sigs.k8s.io/yaml's number rules apply
    '{"a": 1e3}',
    '{"a": 9223372036854775808}',  # beyond int64: a float there
    '{"a": NaN}',  # YAML reads a string
    '{"a": "\\u00e9"}',  # escapes: YAML's and JSON's differ on surrogates
    '{"a": "\u00e9"}',  # not ASCII
    '{\t"a": 1}',  # a tab
    '[1, 2]',  # not an object
    '{"a": 1} {"b": 2}',  # more than one value
    "a: 1",  # YAML
    "{" * 300 + "}" * 300,  # deeper than kyaml allows: kyaml says so
], ids=["float", "exponent", "uint64", "nan", "escape", "non-ascii", "tab", "array", "extra-data", "yaml", "deep"])
def test_anything_doubtful_is_left_to_kyaml(text: str) -> None:
    assert _plain_json(text) is None


@pytest.mark.parametrize("data, problem", [
    (b'{"a": 1', "did not find expected ',' or '}'"),
    (b"{" * 300 + b"}" * 300, "line 1: exceeded max depth of 256"),
], ids=["unterminated", "too-deep"])
def test_errors_are_kyamls(data: bytes, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        decode_kubeconfig(data, path="/k")
    assert problem in str(info.value)


def test_a_json_kubeconfig_does_not_import_yaml(tmp_path) -> None:
    path = tmp_path / "config"
    path.write_text(json.dumps(KUBECONFIG))
    code = ("import sys; from dynclient.config import load_config; c = load_config(sys.argv[1]); "
            "assert c.host == 'https://127.0.0.1:6443', c.host; print(sorted(m for m in sys.modules if m == 'yaml' or m.endswith('kyaml')))")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=root))
    assert out.stdout.strip() == "[]"
