"""Moved to ``dynclient.tools.workqueue``; this module keeps the old import path working."""

from __future__ import annotations

from .tools.workqueue import *  # noqa: F401,F403
from .tools.workqueue import __all__  # noqa: F401
