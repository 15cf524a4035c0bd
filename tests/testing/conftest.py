"""The plugin's fixtures, imported here because the ``pytest11`` entry point needs an installed dynclient."""

from dynclient.testing.pytest_plugin import dynclient_apiserver, fake_cluster  # noqa: F401
