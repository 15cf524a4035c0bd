"""The lock a leader election holds: one record, read and written with optimistic concurrency.

After client-go ``tools/leaderelection/resourcelock/interface.go``. A lock
kind (``lease.LeaseLock``) stores a ``LeaderElectionRecord``; ``update``
must carry the version of the last ``get``/``create``/``update``, so that
two candidates can never both win the same write: the second gets
``Conflict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol, runtime_checkable

__all__ = ["LeaderElectionRecord", "ResourceLock"]


@dataclass(frozen=True)
class LeaderElectionRecord:
    """Who holds the lock, for how long, and since when (client-go ``LeaderElectionRecord``).

    Times are RFC 3339 strings with microseconds, as the server stores
    them; they are informational only. Expiry is decided by each
    candidate's own monotonic clock (``LeaderElector``), never from them.
    """

    holder_identity: str = ""
    lease_duration_seconds: int = 0
    acquire_time: str = ""
    renew_time: str = ""
    leader_transitions: int = 0


@runtime_checkable
class ResourceLock(Protocol):
    """One lock object on the server (client-go ``resourcelock.Interface``)."""

    #: This candidate's identity, written as the holder when it leads.
    identity: str

    def get(self, *, timeout: Optional[float] = None) -> Optional[LeaderElectionRecord]:
        """The record now on the server, or ``None`` when the lock object does not exist yet."""
        ...

    def create(self, record: LeaderElectionRecord, *, timeout: Optional[float] = None) -> None:
        """Create the lock object holding ``record``; ``AlreadyExists`` when someone was first."""
        ...

    def update(self, record: LeaderElectionRecord, *, timeout: Optional[float] = None) -> None:
        """Replace the record, preconditioned on the version last read or written; ``Conflict`` if stale."""
        ...

    def describe(self) -> str:
        """``namespace/name``, for logs."""
        ...
