"""``python -m dynclient``: the command line."""

from __future__ import annotations

import sys

from dynclient.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
