"""ConfigError: one branch of the dynclient error tree, with messages that say where."""

from __future__ import annotations

import pytest

from discovery.errors import DynclientError
from dynclient.config import ConfigError, CredentialsExpired, ExecPluginError


@pytest.mark.parametrize(
    "kwargs, message",
    [
        pytest.param({}, "bad", id="reason-only"),
        pytest.param({"file": "/x/config"}, "kubeconfig /x/config: bad", id="file"),
        pytest.param({"file": "/x/config", "context": "dev", "entry": 'user "bob"', "field": "client-key"},
                     'kubeconfig /x/config: context "dev": user "bob": client-key: bad', id="everything"),
        pytest.param({"file": "in-cluster", "field": "token"}, "in-cluster: token: bad", id="in-cluster"),
        pytest.param({"context": "dev"}, 'context "dev": bad', id="context-only"),
    ],
)
def test_message(kwargs, message) -> None:
    err = ConfigError("bad", **kwargs)
    assert str(err) == message
    assert err.reason == "bad"
    for name in ("file", "context", "entry", "field"):
        assert getattr(err, name) == kwargs.get(name)


@pytest.mark.parametrize("cls", [ConfigError, ExecPluginError, CredentialsExpired])
def test_tree(cls) -> None:
    assert issubclass(cls, ConfigError) and issubclass(cls, DynclientError)
