"""Malformed kubeconfig files: each ConfigError names the file, the entry and the field, never a secret."""

from __future__ import annotations

import pytest

from dynclient.config import ConfigError, load_kubeconfig

from .helpers import TOKEN, assert_no_secret, dedent


# (id, file text, entry, field, words in the reason)
BAD_FILES = [
    ("invalid-yaml", f"users:\n- name: u\n  user: {{token: {TOKEN}: oops}}\n", None, None, "invalid YAML"),
    ("top-level-list", "- a\n- b\n", None, None, "top level"),
    ("wrong-kind", "kind: Pod\n", None, "kind", 'expected kind "Config"'),
    ("clusters-not-a-list", "clusters: {a: b}\n", None, "clusters", "expected a list"),
    ("entry-not-a-mapping", "users: [just-a-string]\n", "users[0]", None, "expected a mapping"),
    ("entry-without-name", f"users:\n- user: {{token: {TOKEN}}}\n", "users[0]", "name", "non-empty string name"),
    ("name-not-a-string", "contexts:\n- name: 7\n  context: {}\n", "contexts[0]", "name", "name"),
    ("duplicate-name", dedent("""
        clusters:
        - {name: a, cluster: {server: 'https://a:1'}}
        - {name: a, cluster: {server: 'https://b:1'}}
        """), "clusters[1]", "name", 'duplicate name "a"'),
    ("body-not-a-mapping", "clusters:\n- {name: a, cluster: [1]}\n", "clusters[0]", "cluster", "expected a mapping"),
    ("bool-as-string", "clusters:\n- {name: c, cluster: {server: 'https://a:1', insecure-skip-tls-verify: 'yes'}}\n",
     'cluster "c"', "insecure-skip-tls-verify", "expected true or false"),
    ("server-not-a-string", "clusters:\n- {name: c, cluster: {server: 6443}}\n", 'cluster "c"', "server",
     "expected a string"),
    ("bad-base64", "clusters:\n- {name: c, cluster: {server: 'https://a:1', certificate-authority-data: '%%%'}}\n",
     'cluster "c"', "certificate-authority-data", "not valid base64"),
    ("bad-base64-key-data", f"users:\n- {{name: u, user: {{client-key-data: '{TOKEN}!!'}}}}\n",
     'user "u"', "client-key-data", "not valid base64"),
    ("token-not-a-string", "users:\n- {name: u, user: {token: 123456789}}\n", 'user "u"', "token",
     "expected a string, got int"),
    ("exec-args-not-a-list", "users:\n- {name: u, user: {exec: {command: x, args: '--flag'}}}\n",
     'user "u"', "exec.args", "list of strings"),
    ("exec-env-not-a-list", "users:\n- {name: u, user: {exec: {command: x, env: {A: b}}}}\n",
     'user "u"', "exec.env", "expected a list"),
    ("exec-env-value-not-a-string", "users:\n- {name: u, user: {exec: {command: x, env: [{name: A, value: 1}]}}}\n",
     'user "u"', "exec.env[0].value", "expected a string"),
    ("as-groups-not-a-list", "users:\n- {name: u, user: {as: x, as-groups: admins}}\n",
     'user "u"', "as-groups", "list of strings"),
    ("auth-provider-without-name", "users:\n- {name: u, user: {auth-provider: {config: {}}}}\n",
     'user "u"', "auth-provider.name", "required"),
    ("current-context-not-a-string", "current-context: [a]\n", None, "current-context", "expected a string"),
]


@pytest.mark.parametrize("text, entry, field, reason", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_file(write_yaml, text, entry, field, reason) -> None:
    path = write_yaml(text)
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    err = info.value
    assert (err.file, err.context, err.entry, err.field) == (path, None, entry, field)
    message = str(err)
    assert message.startswith(f"kubeconfig {path}: ")
    for part in (entry, field, reason):
        if part:
            assert part in message
    assert_no_secret(message)
    assert_no_secret(repr(err))


def test_yaml_error_gives_position_not_text(write_yaml) -> None:
    path = write_yaml(f"users:\n- name: u\n  user: {{token: {TOKEN}: oops}}\n")
    with pytest.raises(ConfigError, match=r"line 3: invalid YAML at column \d+"):
        load_kubeconfig(path)


def test_only_the_first_document_is_read(write_yaml) -> None:
    # As kubectl (go-yaml decodes one document): `kubectl config view` shows the first of two.
    path = write_yaml("current-context: first\n---\ncurrent-context: second\n")
    assert load_kubeconfig(path).current_context == "first"


def test_unreadable_path_is_an_error(tmp_path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(ConfigError, match="cannot read") as info:
        load_kubeconfig(str(tmp_path / "dir"))
    assert info.value.file == str(tmp_path / "dir")


def test_unknown_keys_are_ignored(write_yaml) -> None:
    path = write_yaml("clusters:\n- {name: c, cluster: {server: 'https://a:1', brand-new-field: 1}}\nfuture: {}\n")
    assert load_kubeconfig(path).clusters["c"].server == "https://a:1"


def test_entries_with_no_body_are_empty(write_yaml) -> None:
    kc = load_kubeconfig(write_yaml("users:\n- name: anonymous\ncontexts:\n- name: c\n"))
    assert kc.users["anonymous"].token is None
    assert kc.contexts["c"].cluster is None


def test_kubectls_yaml_rules_apply(write_yaml) -> None:
    # go-yaml v2 rules (dynclient.kyaml): a date stays a string, as the oidc provider's `expiry` needs,
    # and `yes` is a boolean.
    path = write_yaml(dedent("""
        clusters:
        - {name: c, cluster: {server: 'https://a:1', insecure-skip-tls-verify: yes}}
        users:
        - name: u
          user:
            auth-provider:
              name: oidc
              config: {id-token: x, expiry: 2030-01-01T00:00:00Z}
        """))
    kc = load_kubeconfig(path)
    assert kc.clusters["c"].insecure_skip_tls_verify is True
    assert kc.users["u"].auth_provider.config["expiry"] == "2030-01-01T00:00:00Z"
