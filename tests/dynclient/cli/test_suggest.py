"""cobra's "Did you mean this?" suggestions for an unknown command."""

from __future__ import annotations

import pytest

from dynclient.cli.suggest import levenshtein, suggestions_for, unknown_command_message

COMMANDS = ["api-resources", "get", "apply", "delete", "watch", "set", "cp"]

CASES = [
    ("typo", "apply2", ["apply"]),
    ("kubectl-order", "ge", ["set", "get", "cp"]),  # kubectl's own order, as `kubectl ge` prints it
    ("prefix", "api", ["cp", "api-resources"]),  # as `kubectl api` prints it (less api-versions)
    ("case-insensitive", "GET", ["set", "get"]),
    ("nothing-close", "zzzzzz", []),
]


@pytest.mark.parametrize("typed,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_suggestions(typed, expected):
    assert suggestions_for(typed, COMMANDS) == expected


@pytest.mark.parametrize("a,b,d", [("get", "gett", 1), ("kitten", "sitting", 3), ("", "abc", 3), ("Get", "get", 0)],
                         ids=["insert", "classic", "empty", "case"])
def test_levenshtein(a, b, d):
    assert levenshtein(a, b) == d


def test_message_is_cobras():
    assert unknown_command_message("gett", "kubectl", ["set", "get"]) == (
        'unknown command "gett" for "kubectl"\n\nDid you mean this?\n\tset\n\tget\n')
    assert unknown_command_message("zz", "kubectl", ["get"]) == 'unknown command "zz" for "kubectl"'
