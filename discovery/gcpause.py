"""Hold off the cyclic garbage collector while a discovery snapshot is built.

Building the snapshot of a cluster with 2,000 CRD groups allocates about a
million small objects that all stay alive. CPython's collector runs a full
collection each time the surviving heap has grown by a quarter, so the build
triggered several full collections over objects that are never garbage: 40%
of the first resolve at 2,000 groups. None of these objects form reference
cycles (frozen values, tuples and dicts), so reference counting frees them
when a snapshot is dropped; the collector has nothing to find in them.

``gc_paused()`` disables the collector for the duration of a build and
restores it afterwards, nested and across threads: it is re-enabled when the
last pause ends, and only when it was enabled when the first one began.

Re-enabling alone would still cost three passes over the new objects later
(a young-generation collection, a middle one, then the full one the heap's
growth triggers). So when the pause left more than ``FREEZE_AFTER`` new
tracked objects (a cluster with hundreds of CRD groups; a small cluster's
snapshot is far below it), the objects are moved to the permanent
generation with ``gc.freeze()``: the collector then never walks them again.
Reference counting still frees them when the snapshot is dropped. The cost
is that cyclic garbage the application had pending at that moment is kept
until ``gc.unfreeze()``; there is little of it in the middle of a lookup,
and only builds that large pay it.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from typing import Iterator

__all__ = ["gc_paused", "FREEZE_AFTER"]

#: New tracked objects after which a pause ends in ``gc.freeze()`` (about 300 CRD groups).
FREEZE_AFTER = 200_000

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector disabled (see the module docstring)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                if gc.get_count()[0] > FREEZE_AFTER:
                    gc.freeze()
                gc.enable()
