"""config view/get-contexts: merging, redaction and layout (files only, no server)."""

from __future__ import annotations

import json

import pytest
import yaml

from dynclient.cli.config_cmd import merged, minify, redact, view_document
from dynclient.cli.manifest_files import KubectlError

FIRST = {
    "apiVersion": "v1", "kind": "Config", "current-context": "a",
    "clusters": [{"name": "c", "cluster": {"server": "https://x", "certificate-authority": "ca.pem",
                                           "certificate-authority-data": "Q0E="}}],
    "users": [{"name": "u", "user": {"token": "secret-token", "client-key-data": "S0VZ", "password": "pw",
                                     "client-certificate-data": "Q0VSVA==", "username": "me"}}],
    "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u", "namespace": "ns"}}],
}
SECOND = {
    "current-context": "b",
    "clusters": [{"name": "c", "cluster": {"server": "https://ignored"}}, {"name": "d", "cluster": {"server": "https://d"}}],
    "contexts": [{"name": "b", "context": {"cluster": "d", "user": "u"}}],
}


@pytest.fixture
def files(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_text(yaml.safe_dump(FIRST))
    second.write_text(yaml.safe_dump(SECOND))
    return str(first), str(second), tmp_path


def test_first_file_wins_and_paths_become_absolute(files):
    first, second, root = files
    config = merged([first, second], True)
    assert config["current-context"] == "a"
    assert config["clusters"]["c"]["server"] == "https://x"
    assert config["clusters"]["c"]["certificate-authority"] == str(root / "ca.pem")
    assert sorted(config["contexts"]) == ["a", "b"]


def test_missing_explicit_file(tmp_path):
    with pytest.raises(KubectlError, match="no such file or directory"):
        merged([str(tmp_path / "nope")], True)
    assert merged([str(tmp_path / "nope")], False)["contexts"] == {}


def test_redaction_hides_every_secret(files):
    config = redact(merged([files[0]], True))
    text = json.dumps(view_document(config))
    for secret in ("secret-token", "S0VZ", "pw", "Q0VSVA==", "Q0E="):
        assert secret not in text
    user = config["users"]["u"]
    assert (user["token"], user["password"], user["client-key-data"], user["client-certificate-data"]) == (
        "REDACTED", "REDACTED", "REDACTED", "DATA+OMITTED")
    assert config["clusters"]["c"]["certificate-authority-data"] == "DATA+OMITTED"


def test_view_document_field_order(files):
    doc = view_document(merged([files[0]], True))
    assert list(doc) == ["kind", "apiVersion", "preferences", "clusters", "users", "contexts", "current-context"]
    assert list(doc["clusters"][0]["cluster"]) == ["server", "certificate-authority", "certificate-authority-data"]
    assert list(doc["contexts"][0]["context"]) == ["cluster", "user", "namespace"]


def test_minify(files):
    config = minify(merged(list(files[:2]), True), "b")
    assert (list(config["contexts"]), list(config["clusters"]), list(config["users"])) == (["b"], ["d"], ["u"])
    with pytest.raises(KubectlError, match="current-context must exist in order to minify"):
        minify(config, "")


@pytest.mark.parametrize("argv", [["config"], ["auth"]], ids=["config", "auth"])
def test_a_group_alone_prints_its_help(argv, capsys):
    from dynclient.cli.main import main

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: dynclient {argv[0]}") and "SUBCOMMAND" in out


def test_get_contexts_and_current_context_from_a_file(files, capsys):
    from dynclient.cli.main import main

    first, second, _ = files
    assert main(["--kubeconfig", first, "config", "current-context"]) == 0
    assert capsys.readouterr().out == "a\n"
    assert main(["--kubeconfig", first, "config", "get-contexts"]) == 0
    assert capsys.readouterr().out == ("CURRENT   NAME   CLUSTER   AUTHINFO   NAMESPACE\n"
                                       "*         a      c         u          ns\n")
    assert main(["--kubeconfig", first, "config", "get-contexts", "zz"]) == 1
    assert capsys.readouterr().err == "error: context zz not found\n"
