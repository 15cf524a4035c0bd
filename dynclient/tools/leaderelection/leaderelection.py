"""Leader election: one leader among replicas, through a lock on the server (client-go ``tools/leaderelection``).

A candidate tries to take the lock every ``retry_period`` (with client-go's
jitter: up to 1.2 periods more). The lock is free when it has no holder, or
when its record has not changed for the record's lease duration *as this
candidate's monotonic clock measures it* from the moment it first saw that
record (client-go's ``observedTime``): the timestamps inside the Lease are
written by other machines and are never compared with this clock, so clock
skew between machines cannot shorten a lease.

The leader renews every ``retry_period``. When no renewal has succeeded for
``renew_deadline`` (measured from the start of the last one that did), or
when the lock shows another holder, it stops leading: the ``lost`` event
given to ``on_started_leading`` is set, ``is_leader()`` turns false at that
very deadline, and ``on_stopped_leading`` is called. Since
``renew_deadline < lease_duration``, that happens before any other
candidate may take the lock (which takes ``lease_duration`` from the last
renewal it saw). Each request is bounded by the time left to the deadline.

``release_on_cancel``: on ``stop()`` the leader writes an empty holder with
a one-second lease, so a successor takes over at its next try instead of
waiting out the lease.

Timing rules (client-go's ``NewLeaderElector`` checks):
``lease_duration > renew_deadline > 1.2 * retry_period > 0``.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from discovery.errors import DynclientError

from .resourcelock import LeaderElectionRecord, LeaseLock, ResourceLock

__all__ = ["LeaderElector", "JITTER_FACTOR", "micro_time"]

log = logging.getLogger("dynclient.leaderelection")

#: client-go's ``JitterFactor``: a candidate waits ``retry_period * (1 + 1.2 * rand)`` between tries to acquire.
JITTER_FACTOR = 1.2


def micro_time(moment: Optional[datetime] = None) -> str:
    """``metav1.MicroTime`` text: RFC 3339 in UTC with microseconds (``2026-12-03T14:05:00.123456Z``)."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """Campaign for the lock ``namespace/lock_name`` as ``identity``; ``run()`` blocks, ``stop()`` ends it.

    ``on_started_leading(lost)`` runs in a thread of its own once this
    candidate leads; ``lost`` is a ``threading.Event`` set the moment it
    stops leading (client-go passes a context that is cancelled then): do
    the leader's work while ``not lost.is_set()``, and check ``is_leader()``
    right before each write that must not come from a deposed leader.
    ``on_stopped_leading()`` is called once, in ``run()``'s thread, after a
    term (it is not called when this candidate never led).
    ``on_new_leader(identity)`` is called, in a thread of its own, whenever
    the observed holder changes (this candidate included).

    ``run()`` returns after the term ends (leadership lost, or ``stop()``);
    it may be called again to campaign anew. Times are in seconds;
    ``lock`` replaces the Lease with any ``ResourceLock``.
    """

    def __init__(
        self,
        dyn: Any,
        *,
        lock_name: str,
        namespace: str,
        identity: str,
        on_started_leading: Callable[[threading.Event], None],
        on_stopped_leading: Callable[[], None],
        on_new_leader: Optional[Callable[[str], None]] = None,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        release_on_cancel: bool = False,
        lock: Optional[ResourceLock] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if lease_duration <= renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if renew_deadline <= JITTER_FACTOR * retry_period:
            raise ValueError(f"renew_deadline must be greater than retry_period*{JITTER_FACTOR}")
        if min(lease_duration, renew_deadline, retry_period) <= 0:
            raise ValueError("lease_duration, renew_deadline and retry_period must be positive")
        if on_started_leading is None or on_stopped_leading is None:
            raise ValueError("on_started_leading and on_stopped_leading are required")
        self.lock: ResourceLock = lock if lock is not None else LeaseLock(dyn, namespace=namespace, name=lock_name,
                                                                           identity=identity)
        self.identity = identity
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.release_on_cancel = release_on_cancel
        self._clock = clock
        self._stop = threading.Event()
        self._state = threading.Lock()
        self._observed: Optional[LeaderElectionRecord] = None
        self._observed_time = 0.0
        self._reported_leader: Optional[str] = None
        self._leading = False
        self._renew_by = 0.0  # while leading: the monotonic time this term ends unless renewed

    def __repr__(self) -> str:
        return f"<LeaderElector {self.identity!r} on {self.lock.describe()} leading={self.is_leader()}>"

    # -- what callers ask ----------------------------------------------------------------

    def is_leader(self) -> bool:
        """True while this candidate leads and its term has not run out by its own clock."""
        with self._state:
            return self._leading and self._clock() < self._renew_by

    @property
    def leader(self) -> str:
        """The holder last observed on the lock (``""``: none seen yet; client-go ``GetLeader``)."""
        with self._state:
            return self._observed.holder_identity if self._observed else ""

    @property
    def observed_record(self) -> Optional[LeaderElectionRecord]:
        """The lock's record as last read or written by this candidate."""
        with self._state:
            return self._observed

    def stop(self) -> None:
        """End ``run()``: a campaign gives up, a leader steps down (releasing the lock if asked)."""
        self._stop.set()

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        """Campaign until this candidate leads, lead until the term ends, then return."""
        self._stop.clear()
        if not self._acquire():
            return
        lost = threading.Event()
        worker = threading.Thread(target=self._guarded, args=(self.on_started_leading, lost),
                                  name=f"leader-{self.identity}", daemon=True)
        worker.start()
        try:
            self._renew()
        finally:
            with self._state:
                self._leading = False
            lost.set()
            if self.release_on_cancel and self._stop.is_set():
                self._release()
            log.info("%s: stopped leading %s", self.identity, self.lock.describe())
            self._guarded(self.on_stopped_leading)

    def _acquire(self) -> bool:
        log.info("%s: attempting to acquire lease %s", self.identity, self.lock.describe())
        while not self._stop.is_set():
            start = self._clock()
            if self._try_acquire_or_renew(timeout=self.renew_deadline) == "held":
                with self._state:
                    self._leading, self._renew_by = True, start + self.renew_deadline
                log.info("%s: acquired lease %s", self.identity, self.lock.describe())
                return True
            self._stop.wait(self._acquire_delay())
        return False

    def _acquire_delay(self) -> float:
        """client-go's jittered period, cut short to wake just after the observed lease runs out."""
        delay = self.retry_period * (1 + JITTER_FACTOR * random.random())
        with self._state:
            observed, seen = self._observed, self._observed_time
        if observed is not None and observed.holder_identity:
            left = seen + observed.lease_duration_seconds - self._clock()
            if left >= 0:
                delay = min(delay, left + 0.01)
        return delay

    def _renew(self) -> None:
        while not self._stop.wait(self.retry_period):
            while True:
                start = self._clock()
                with self._state:
                    left = self._renew_by - start
                if left <= 0:
                    log.info("%s: failed to renew lease %s within %.3gs", self.identity, self.lock.describe(),
                             self.renew_deadline)
                    return
                outcome = self._try_acquire_or_renew(timeout=left)
                if outcome == "held":
                    with self._state:
                        self._renew_by = start + self.renew_deadline
                    break
                if outcome == "taken":
                    log.info("%s: lease %s is held by %s now", self.identity, self.lock.describe(), self.leader)
                    return
                if self._stop.wait(min(self.retry_period, max(0.0, self._renew_by - self._clock()))):
                    return

    def _try_acquire_or_renew(self, *, timeout: float) -> str:
        """One try (client-go ``tryAcquireOrRenew``): ``"held"``, ``"taken"`` (another holds it) or ``"failed"``."""
        now = micro_time()
        lease_seconds = int(math.ceil(self.lease_duration))
        deadline = self._clock() + timeout
        with self._state:
            observed, leading = self._observed, self._leading
        if leading and observed is not None and observed.holder_identity == self.identity:
            # Fast path: the leader updates on the version it last wrote, without reading first.
            record = LeaderElectionRecord(self.identity, lease_seconds, observed.acquire_time, now,
                                          observed.leader_transitions)
            try:
                self.lock.update(record, timeout=timeout)
            except (DynclientError, ValueError) as err:
                log.debug("%s: optimistic renewal of %s failed: %s", self.identity, self.lock.describe(), err)
            else:
                self._observe(record)
                return "held"
        try:
            current = self.lock.get(timeout=max(0.0, deadline - self._clock()))
        except DynclientError as err:
            log.debug("%s: reading lease %s failed: %s", self.identity, self.lock.describe(), err)
            return "failed"
        if current is None:
            record = LeaderElectionRecord(self.identity, lease_seconds, now, now, 0)
            try:
                self.lock.create(record, timeout=max(0.0, deadline - self._clock()))
            except DynclientError as err:
                log.debug("%s: creating lease %s failed: %s", self.identity, self.lock.describe(), err)
                return "failed"
            self._observe(record)
            return "held"
        self._observe(current)
        mine = current.holder_identity == self.identity
        with self._state:
            valid = self._observed_time + current.lease_duration_seconds > self._clock()
        if current.holder_identity and valid and not mine:
            return "taken"
        record = LeaderElectionRecord(
            self.identity, lease_seconds, current.acquire_time if mine else now, now,
            current.leader_transitions if mine else current.leader_transitions + 1)
        try:
            self.lock.update(record, timeout=max(0.0, deadline - self._clock()))
        except DynclientError as err:  # a Conflict: someone wrote in between
            log.debug("%s: updating lease %s failed: %s", self.identity, self.lock.describe(), err)
            return "failed"
        self._observe(record)
        return "held"

    def _observe(self, record: LeaderElectionRecord) -> None:
        """Remember ``record`` and when (by this clock) it was first seen; report a new holder."""
        with self._state:
            if record != self._observed:
                self._observed, self._observed_time = record, self._clock()
            holder = record.holder_identity
            changed = holder != self._reported_leader
            self._reported_leader = holder
        if changed and self.on_new_leader is not None and holder:
            threading.Thread(target=self._guarded, args=(self.on_new_leader, holder), daemon=True,
                             name="leader-new-leader").start()

    def _release(self) -> None:
        """Write an empty holder with a one-second lease (client-go ``release``), if this candidate still holds it."""
        with self._state:
            observed = self._observed
        if observed is None or observed.holder_identity != self.identity:
            return
        now = micro_time()
        record = LeaderElectionRecord("", 1, now, now, observed.leader_transitions)
        try:
            self.lock.update(record, timeout=self.renew_deadline)
        except (DynclientError, ValueError) as err:
            log.warning("%s: releasing lease %s failed: %s", self.identity, self.lock.describe(), err)
            return
        self._observe(record)

    def _guarded(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a callback must not kill the election loop
            log.exception("%s: leader election callback %r failed", self.identity, fn)
