"""Secret-bearing header values are checked before sending, and never printed (issue 13, items 9 and 8).

A token with a newline (from a kubeconfig, a token file, an exec plugin or
an oidc id-token) is refused where the ``Authorization`` header is made: the
error says whose token holds which kind of character, never the token. The
impersonation values (kubeconfig ``as*`` and the ``--as*`` flags) are refused
the same way when they hold CR, LF or another control character.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

import dynclient
from dynclient.config import (BasicAuth, ConfigError, Impersonation, Kubeconfig, OIDCToken, RESTConfig, StaticToken,
                              TokenFile, load_config)

from ..dynclient.config.helpers import TOKEN, assert_no_secret, make_jwt
from ..replyserver import CERT_PEM as SERVER_CA, ReplyServer

REPO = Path(__file__).resolve().parents[2]
NEWLINE = "a line feed (U+000A)"


def _doc(user: Dict[str, Any], server: str = "https://127.0.0.1:1", **cluster: Any) -> Dict[str, Any]:
    return {
        "current-context": "ctx",
        "clusters": [{"name": "c", "cluster": {"server": server, **cluster}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "alice"}}],
        "users": [{"name": "alice", "user": user}],
    }


@pytest.mark.parametrize(
    "token, described",
    [
        pytest.param(f"{TOKEN}\nX-Injected: yes", NEWLINE, id="newline-inside"),
        pytest.param(f"{TOKEN}\n", NEWLINE, id="trailing-newline"),
        pytest.param(f"{TOKEN}\r", "a carriage return (U+000D)", id="carriage-return"),
        pytest.param(f"{TOKEN}\x00", "a NUL (U+0000)", id="nul"),
        pytest.param(f"{TOKEN}\x7f", "a DEL (U+007F)", id="del"),
        pytest.param(f"{TOKEN}\u2028", "a non-ASCII character (U+2028)", id="line-separator"),
    ],
)
def test_a_kubeconfig_token_with_an_invalid_character(token, described) -> None:
    with pytest.raises(ConfigError) as info:
        Kubeconfig.from_dict(_doc({"token": token}), source="/kc").rest_config()
    assert str(info.value) == (f'kubeconfig /kc: context "ctx": user "alice": token: the token of user "alice" '
                               f"contains an invalid character, {described}; it cannot be sent in an HTTP header")
    assert_no_secret(str(info.value))
    assert_no_secret(repr(info.value))


def test_static_token_checks_its_header_itself() -> None:
    auth = StaticToken(f"{TOKEN}\nEvil: 1", user="alice", file="/kc", context="ctx")
    with pytest.raises(ConfigError) as info:
        auth.headers()
    assert str(info.value) == (f'kubeconfig /kc: context "ctx": the token of user "alice" contains an invalid '
                               f"character, {NEWLINE}; it cannot be sent in an HTTP header")
    assert StaticToken(TOKEN).headers() == {"Authorization": f"Bearer {TOKEN}"}


def test_a_token_file_with_a_newline_inside(tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\nsecond-line\n")  # surrounding whitespace is trimmed, an inner newline is not
    auth = TokenFile(str(token_file), file="/kc", context="ctx", entry='user "alice"')
    with pytest.raises(ConfigError) as info:
        auth.headers()
    assert str(info.value) == (f'kubeconfig /kc: context "ctx": the token of user "alice" (tokenFile {token_file}) '
                               f"contains an invalid character, {NEWLINE}; it cannot be sent in an HTTP header")
    token_file.write_text(f"{TOKEN}\n")
    assert auth.headers() == {"Authorization": f"Bearer {TOKEN}"}


def test_an_oidc_id_token_with_a_newline() -> None:
    token = make_jwt({"sub": "alice"}) + "\n"
    auth = OIDCToken(token, entry='user "alice"')
    with pytest.raises(ConfigError) as info:
        auth.headers()
    assert f"the token of user \"alice\" (oidc id-token) contains an invalid character, {NEWLINE}" in str(info.value)
    assert token.strip() not in str(info.value)


def test_basic_auth_with_a_newline_is_sent_as_base64_like_go() -> None:
    # The header value is base64, which has no control character whatever the password holds;
    # Go's SetBasicAuth sends it the same way, and kubectl accepts such a password.
    header = BasicAuth("alice", "pass\nword").headers()["Authorization"]
    assert header == "Basic " + base64.b64encode(b"alice:pass\nword").decode()


# -- impersonation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, field",
    [
        pytest.param({"as": "bob\r\nImpersonate-Group: system:masters"}, "as", id="as"),
        pytest.param({"as": "bob", "as-uid": "1\n2"}, "as-uid", id="as-uid"),
        pytest.param({"as": "bob", "as-groups": ["dev", "ops\nsystem:masters"]}, "as-groups[1]", id="as-groups"),
        pytest.param({"as": "bob", "as-user-extra": {"scopes": ["a", "b\r\n"]}}, 'as-user-extra["scopes"]',
                     id="as-user-extra"),
    ],
)
def test_kubeconfig_impersonation_with_cr_or_lf(user, field) -> None:
    with pytest.raises(ConfigError) as info:
        Kubeconfig.from_dict(_doc({"token": TOKEN, **user}), source="/kc").rest_config()
    err = info.value
    assert (err.file, err.entry, err.field) == ("/kc", 'user "alice"', field)
    assert "contains an invalid character" in str(err)
    assert "system:masters" not in str(err) and "bob\r" not in str(err)


@pytest.mark.parametrize(
    "kwargs, flag",
    [
        pytest.param({"impersonate_user": "bob\nX: 1"}, "--as", id="as"),
        pytest.param({"impersonate_user": "bob", "impersonate_groups": ["ok", "bad\r\n"]}, "--as-group (value 2)",
                     id="as-group"),
        pytest.param({"impersonate_user": "bob", "impersonate_uid": "\x00"}, "--as-uid", id="as-uid"),
        pytest.param({"impersonate_user": "bob", "impersonate_extra": {"k": ["v\n"]}}, '--as-user-extra (key "k")',
                     id="as-user-extra"),
    ],
)
def test_impersonation_flags_with_cr_or_lf(kwargs, flag) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(_doc({"token": TOKEN}), **kwargs)
    assert str(info.value).startswith(f"{flag}: the value to impersonate contains an invalid character, ")
    assert str(info.value).endswith("CR, LF and other control characters cannot be sent in an Impersonate-* header")


def test_header_pairs_refuse_what_they_cannot_send() -> None:
    with pytest.raises(ConfigError, match=r"impersonation as-groups\[0\]: the value to impersonate contains an "
                                          r"invalid character, a line feed"):
        Impersonation(user="bob", groups=("a\nb",)).header_pairs()
    # Non-ASCII names are legal header bytes (Go sends them as UTF-8); only control characters are refused.
    assert Impersonation(user="jörg", groups=("équipe",)).header_pairs() == [
        ("Impersonate-User", "jörg"), ("Impersonate-Group", "équipe")]


# -- nothing is sent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"auth": StaticToken(f"{TOKEN}\nX: 1", user="alice")}, id="token"),
        pytest.param({"impersonate": Impersonation(user="bob\r\nImpersonate-Group: system:masters")}, id="impersonation"),
    ],
)
def test_a_request_with_a_bad_header_never_reaches_the_server(tmp_path, config) -> None:
    with ReplyServer(tls=True) as server:
        rest = RESTConfig(host=server.url, ca_data=SERVER_CA, **config)
        # Refused when the client is built (impersonation headers are fixed) or at the first request.
        with pytest.raises(dynclient.DynclientError) as info:
            with dynclient.DynamicClient.from_config(rest, cache_dir=str(tmp_path)) as dyn:
                dyn.resource(dynclient.GroupVersionResource("", "v1", "configmaps")).list()
        assert server.calls == []
    assert isinstance(info.value, ConfigError)
    assert_no_secret(str(info.value))
    assert "system:masters" not in str(info.value)


def test_the_cli_prints_whose_token_it_is_not_the_token(tmp_path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(_doc({"token": f"{TOKEN}\n"})))
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("KUBECONFIG", None)
    out = subprocess.run([sys.executable, "-m", "dynclient", "get", "configmaps", "--kubeconfig", str(path)],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert out.returncode != 0
    assert out.stderr == (f'error: kubeconfig {path}: context "ctx": user "alice": token: the token of user "alice" '
                          f"contains an invalid character, {NEWLINE}; it cannot be sent in an HTTP header\n")
    assert_no_secret(out.stdout + out.stderr)


# -- any token, any impersonated name: a sendable header or a ConfigError that does not show it ------------

from hypothesis import given, settings, strategies as st  # noqa: E402

_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF), min_size=1, max_size=40)


def _sendable(value: str) -> bool:
    # What Go's httpguts.ValidHeaderFieldValue accepts and http.client can encode.
    return not any((c < " " and c != "\t") or c == "\x7f" for c in value) and all(ord(c) < 256 for c in value)


@settings(max_examples=300, deadline=None)
@given(token=_TEXT)
def test_any_token_gives_a_sendable_header_or_a_silent_error(token) -> None:
    marker = f"<{token}>"
    try:
        header = StaticToken(marker, user="alice").headers()["Authorization"]
    except ConfigError as err:
        assert marker not in str(err)
        return
    assert _sendable(header) and header == f"Bearer {marker}"


@settings(max_examples=300, deadline=None)
@given(user=_TEXT, group=_TEXT)
def test_any_impersonated_name_gives_sendable_headers_or_an_error(user, group) -> None:
    user, group = f"\u27e6{user}", f"\u27e6{group}"  # a mark no message contains, to see a value leak
    try:
        pairs = Impersonation(user=user, groups=(group,)).header_pairs()
    except ConfigError as err:
        assert "\u27e6" not in str(err)
        return
    assert [v for _, v in pairs] == [user, group]
    assert all(not any((c < " " and c != "\t") or c == "\x7f" for c in v) for _, v in pairs)
