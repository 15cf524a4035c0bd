"""Object names as the API server validates and generates them."""

from __future__ import annotations

import random
import re
from typing import Optional

__all__ = ["generate_name", "name_problem", "DNS1123_SUBDOMAIN", "DNS1123_LABEL"]

DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = DNS1123_LABEL + r"(\." + DNS1123_LABEL + r")*"
_SUBDOMAIN = re.compile(DNS1123_SUBDOMAIN)
_LABEL = re.compile(DNS1123_LABEL)
# apimachinery's utilrand alphabet: no vowels, no confusable characters.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def generate_name(prefix: str, rng: Optional[random.Random] = None) -> str:
    """``generateName`` + 5 random characters (the prefix cut so the whole fits 63)."""
    choice = (rng or random).choice
    return prefix[:58] + "".join(choice(_ALPHABET) for _ in range(5))


def name_problem(name: str, *, label: bool = False) -> Optional[str]:
    """The apiserver's message for an invalid name (``Invalid value: ...``), or ``None`` when it is valid."""
    if label:
        if len(name) > 63:
            return f'Invalid value: "{name}": must be no more than 63 characters'
        if not _LABEL.fullmatch(name):
            return (f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of lower case alphanumeric '
                    "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
                    f"or '123-abc', regex used for validation is '{DNS1123_LABEL}')")
        return None
    if len(name) > 253:
        return f'Invalid value: "{name}": must be no more than 253 characters'
    if not _SUBDOMAIN.fullmatch(name):
        return (f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
                "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                f"'example.com', regex used for validation is '{DNS1123_SUBDOMAIN}')")
    return None
