"""Go's ``strconv.FormatFloat(f, 'g', -1, 64)``: how kubectl prints a float in tables, YAML and JSONPath.

A module of its own so a table printer gets it without loading the YAML emitter.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["format_g"]

# strconv's %g with the shortest precision switches to %e from exponent 6 on, and below -4.
_G_EPREC = 6


def format_g(value: float) -> str:
    """``strconv.FormatFloat(value, 'g', -1, 64)``."""
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    ds = "".join(str(d) for d in digits).rstrip("0") or "0"
    if ds == "0":
        return "-0" if sign else "0"
    point = len(digits) + int(exponent)  # position of the decimal point after the first digit run
    exp = point - 1
    neg = "-" if sign else ""
    if exp < -4 or exp >= _G_EPREC:
        mantissa = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{neg}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{ds}"
    if point >= len(ds):
        return f"{neg}{ds}{'0' * (point - len(ds))}"
    return f"{neg}{ds[:point]}.{ds[point:]}"
