"""Lock kinds for leader election, behind one Protocol (client-go ``tools/leaderelection/resourcelock``)."""

from __future__ import annotations

from .interface import LeaderElectionRecord, ResourceLock
from .lease import LEASES, LeaseLock

__all__ = ["LeaderElectionRecord", "ResourceLock", "LeaseLock", "LEASES"]
