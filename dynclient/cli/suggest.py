"""cobra's "Did you mean this?" for an unknown command (``Command.SuggestionsFor``).

A command is suggested when its name is within Levenshtein distance 2 of
what was typed (case-insensitively), or starts with it. Suggestions come in
the order of the command list; ``KUBECTL_ORDER`` is the order kubectl adds
its commands in, so that both tools suggest in the same order.
"""

from __future__ import annotations

from typing import Iterable, List

__all__ = ["levenshtein", "suggestions_for", "unknown_command_message", "KUBECTL_ORDER"]

#: kubectl's ``NewKubectlCommand`` order (basic, deploy, cluster, troubleshooting, advanced, settings, other).
KUBECTL_ORDER = (
    "create", "expose", "run", "set", "explain", "get", "edit", "delete", "rollout", "scale", "autoscale",
    "certificate", "cluster-info", "top", "cordon", "uncordon", "drain", "taint", "describe", "logs", "attach",
    "exec", "port-forward", "proxy", "cp", "auth", "debug", "events", "diff", "apply", "patch", "replace", "wait",
    "kustomize", "label", "annotate", "completion", "alpha", "config", "plugin", "version", "api-versions",
    "api-resources", "options",
)

MIN_DISTANCE = 2


def levenshtein(s: str, t: str) -> int:
    """cobra's ``ld(s, t, ignoreCase=true)``."""
    s, t = s.lower(), t.lower()
    previous = list(range(len(t) + 1))
    for i, a in enumerate(s, 1):
        current = [i]
        for j, b in enumerate(t, 1):
            current.append(previous[j - 1] if a == b else min(previous[j], current[j - 1], previous[j - 1]) + 1)
        previous = current
    return previous[-1]


def suggestions_for(typed: str, commands: Iterable[str]) -> List[str]:
    """The command names cobra would suggest for ``typed``, in kubectl's command order."""
    names = list(commands)
    rank = {name: i for i, name in enumerate(KUBECTL_ORDER)}
    ordered = sorted(names, key=lambda n: (rank.get(n, len(rank)), names.index(n)))
    return [n for n in ordered if levenshtein(typed, n) <= MIN_DISTANCE or n.lower().startswith(typed.lower())]


def unknown_command_message(typed: str, program: str, commands: Iterable[str]) -> str:
    """``unknown command "x" for "prog"`` plus the suggestion block, as cobra's ``Find`` builds it."""
    text = f'unknown command "{typed}" for "{program}"'
    found = suggestions_for(typed, commands)
    if found:
        text += "\n\nDid you mean this?\n" + "".join(f"\t{n}\n" for n in found)
    return text
