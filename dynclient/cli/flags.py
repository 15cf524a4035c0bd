"""Flag value parsing shared by the commands, in pflag's terms."""

from __future__ import annotations

import argparse
from typing import List, Sequence

__all__ = ["parse_bool", "bool_arg", "csv_values"]

_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``: what ``--flag=value`` accepts for a bool flag."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def bool_arg(text: str) -> bool:
    """``parse_bool`` as an argparse ``type``."""
    try:
        return parse_bool(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def csv_values(values: Sequence[str]) -> List[str]:
    """pflag's ``StringSlice``: every occurrence of the flag is itself a comma-separated list."""
    return [part for value in values or () for part in value.split(",") if part != ""]
