"""Moved to ``dynclient.tools.informer``; this module keeps the old import path working."""

from __future__ import annotations

from .tools.informer import *  # noqa: F401,F403
from .tools.informer import __all__  # noqa: F401
