"""Flag value parsing shared by the commands, in pflag's terms."""

from __future__ import annotations

import argparse
from typing import Callable, List, Sequence

__all__ = ["parse_bool", "bool_arg", "csv_values", "parse_int", "int_arg", "bool_value_arg", "pflag_value_error",
           "VALUE_ERROR_MARK"]

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


#: How ``_Parser.error`` recognises a pflag value error raised by one of the ``type=`` converters below:
#: the converter cannot know the flag's name, the parser fills it in for ``{flag}``.
VALUE_ERROR_MARK = "\x00pflag\x00"


def pflag_value_error(value: str, err: str) -> argparse.ArgumentTypeError:
    """The error for a bad flag value; the parser completes it as pflag words it (``invalid argument ...``)."""
    return argparse.ArgumentTypeError(f'{VALUE_ERROR_MARK}invalid argument "{value}" for "{{flag}}" flag: {err}')


def parse_int(text: str, bits: int = 64, base: int = 0) -> int:
    """Go's ``strconv.ParseInt(text, base, bits)``: base 0 reads ``0x``/``0o``/``0b``/``0`` prefixes and ``_``.

    pflag's int flags use base 0; klog's ``-v`` uses base 10.
    """
    body = text[1:] if text[:1] in "+-" else text
    digits, radix = body, base or 10
    if base == 0 and len(body) > 1 and body[0] == "0":
        if body[1] in "xXoObB":
            radix, digits = {"x": 16, "o": 8, "b": 2}[body[1].lower()], body[2:]
        else:
            radix, digits = 8, body[1:]
    underscores_ok = base == 0
    try:
        if not digits or (("_" in digits) and (not underscores_ok or digits.startswith("_")
                                               or digits.endswith("_") or "__" in digits)):
            raise ValueError
        if not all(c == "_" or c.isascii() and c.isalnum() for c in digits):
            raise ValueError
        value = int(digits.replace("_", ""), radix)
    except ValueError:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None
    value = -value if text.startswith("-") else value
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def int_arg(bits: int = 64, base: int = 0) -> Callable[[str], int]:
    """An argparse ``type`` for pflag's ``Int64``/``Int32`` flags (klog's ``-v``: base 10), with pflag's error text."""

    def convert(text: str) -> int:
        try:
            return parse_int(text, bits, base)
        except ValueError as err:
            raise pflag_value_error(text, str(err)) from None

    convert.__name__ = f"int{bits}"
    return convert


def bool_value_arg(text: str) -> bool:
    """An argparse ``type`` for a bool flag given a value, with pflag's error text."""
    try:
        return parse_bool(text)
    except ValueError as err:
        raise pflag_value_error(text, str(err)) from None
