"""The ``dynclient`` command line: kubectl's ``api-resources``, ``get``, ``apply`` and ``delete``, plus ``watch``.

Run it as ``dynclient ...`` or ``python -m dynclient ...``; ``main(argv)``
returns the exit code. Output is meant to be byte-identical to kubectl's
for the same flags on the same server; see ``main`` for flags and exit codes.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
