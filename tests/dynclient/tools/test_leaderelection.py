"""LeaderElector on an in-memory lock: timing rules, acquire, renew, takeover by the local clock, release."""

from __future__ import annotations

import json
import threading
import time
from typing import List, Optional

import pytest

from discovery.errors import status_error_from_response
from dynclient.tools.leaderelection import LeaderElectionRecord, LeaderElector, LeaseLock, ResourceLock, micro_time
from dynclient.tools.leaderelection.resourcelock.lease import lease_to_record, record_to_spec


def conflict():
    return status_error_from_response(409, json.dumps({"kind": "Status", "code": 409, "reason": "Conflict",
                                                       "message": "the object has been modified"}).encode())


def unavailable():
    return status_error_from_response(503, b'{"kind":"Status","code":503,"reason":"ServiceUnavailable"}')


class Store:
    """The server side: one record and its version."""

    def __init__(self, record: Optional[LeaderElectionRecord] = None) -> None:
        self.record, self.version, self.lock = record, 1 if record else 0, threading.Lock()
        self.down = False
        self.writes: List[LeaderElectionRecord] = []


class FakeLock:
    def __init__(self, store: Store, identity: str) -> None:
        self.store, self.identity, self.seen = store, identity, None

    def describe(self) -> str:
        return "ns/lock"

    def get(self, *, timeout=None):
        with self.store.lock:
            if self.store.down:
                raise unavailable()
            self.seen = self.store.version
            return self.store.record

    def create(self, record, *, timeout=None):
        with self.store.lock:
            if self.store.down or self.store.record is not None:
                raise conflict()
            self.store.record, self.store.version = record, 1
            self.store.writes.append(record)
            self.seen = 1

    def update(self, record, *, timeout=None):
        with self.store.lock:
            if self.store.down:
                raise unavailable()
            if self.seen != self.store.version:
                raise conflict()
            self.store.record = record
            self.store.version += 1
            self.store.writes.append(record)
            self.seen = self.store.version


TIMING = dict(lease_duration=0.6, renew_deadline=0.4, retry_period=0.05)


def elector(store, identity, events, **kw):
    options = {**TIMING, **kw}
    return LeaderElector(None, lock_name="lock", namespace="ns", identity=identity, lock=FakeLock(store, identity),
                         on_started_leading=lambda lost: events.append(("started", identity, time.monotonic())),
                         on_stopped_leading=lambda: events.append(("stopped", identity, time.monotonic())),
                         **options)


def start(e):
    thread = threading.Thread(target=e.run, daemon=True)
    thread.start()
    return thread


def until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


@pytest.mark.parametrize(
    "timing, message",
    [(dict(lease_duration=10, renew_deadline=10, retry_period=2), "lease_duration must be greater than renew_deadline"),
     (dict(lease_duration=15, renew_deadline=2.4, retry_period=2), "renew_deadline must be greater than retry_period*1.2"),
     (dict(lease_duration=15, renew_deadline=10, retry_period=-1), "must be positive")],
    ids=["lease-not-longer", "renew-too-short-for-jitter", "negative"],
)
def test_timing_rules_are_client_gos(timing, message):
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        elector(Store(), "a", [], **timing)


def test_client_go_defaults():
    e = LeaderElector(None, lock_name="l", namespace="ns", identity="a", lock=FakeLock(Store(), "a"),
                      on_started_leading=lambda lost: None, on_stopped_leading=lambda: None)
    assert (e.lease_duration, e.renew_deadline, e.retry_period, e.release_on_cancel) == (15.0, 10.0, 2.0, False)


def test_the_first_candidate_creates_the_lock_and_renews_it():
    store, events, new = Store(), [], []
    e = elector(store, "a", events, on_new_leader=new.append)
    thread = start(e)
    assert until(lambda: len(store.writes) >= 4)
    assert e.is_leader() and e.leader == "a" and until(lambda: new == ["a"])
    first, last = store.writes[0], store.writes[-1]
    assert first.holder_identity == last.holder_identity == "a" and last.acquire_time == first.acquire_time
    assert last.leader_transitions == 0 and last.renew_time >= first.renew_time and last.lease_duration_seconds == 1
    e.stop()
    thread.join(2)
    assert [k for k, _, _ in events] == ["started", "stopped"]


def test_a_held_lease_is_taken_only_after_it_stays_unchanged_for_its_duration_by_the_local_clock():
    # Timestamps in the record say it was renewed a year ago: they must not matter.
    old = LeaderElectionRecord("other", 1, "2025-01-01T00:00:00.000000Z", "2025-01-01T00:00:00.000000Z", 3)
    store, events = Store(old), []
    e = elector(store, "a", events)
    began = time.monotonic()
    thread = start(e)
    assert until(lambda: events)
    waited = events[0][2] - began
    assert 1.0 <= waited < 1.5  # leaseDurationSeconds (1) from when it first saw the record
    assert store.record.holder_identity == "a" and store.record.leader_transitions == 4
    e.stop()
    thread.join(2)


def test_a_renewed_lease_is_never_taken():
    store, events = Store(), []
    leader, follower = elector(store, "a", events), elector(store, "b", events)
    threads = [start(leader)]
    assert until(leader.is_leader)
    threads.append(start(follower))
    time.sleep(1.5)
    assert [who for kind, who, _ in events if kind == "started"] == ["a"] and follower.leader == "a"
    leader.stop()
    follower.stop()
    for t in threads:
        t.join(2)


def test_a_leader_that_cannot_renew_stops_within_the_renew_deadline_and_before_anyone_takes_over():
    store, events = Store(), []
    leader = elector(store, "a", events)
    t = start(leader)
    assert until(leader.is_leader)
    time.sleep(0.2)
    store.down = True
    cut = time.monotonic()
    assert until(lambda: any(k == "stopped" for k, _, _ in events))
    stopped = next(at for k, _, at in events if k == "stopped")
    assert stopped - cut <= TIMING["renew_deadline"] + 0.3  # slack for a loaded machine
    assert not leader.is_leader()
    t.join(2)
    store.down = False
    follower = elector(store, "b", events)
    t2 = start(follower)
    assert until(lambda: any(k == "started" and who == "b" for k, who, _ in events), timeout=5)
    taken = next(at for k, who, at in events if k == "started" and who == "b")
    assert taken - cut >= 1.0 - 0.05 and taken > stopped  # a full leaseDurationSeconds of silence, seen by b
    follower.stop()
    t2.join(2)


def test_a_leader_that_sees_another_holder_stops_at_once():
    store, events = Store(), []
    leader = elector(store, "a", events)
    t = start(leader)
    assert until(leader.is_leader)
    with store.lock:  # someone else wrote the lock (the optimistic update then conflicts, the read shows it)
        store.record = LeaderElectionRecord("intruder", 60, micro_time(), micro_time(), 9)
        store.version += 1
    hijacked = time.monotonic()
    assert until(lambda: any(k == "stopped" for k, _, _ in events), timeout=2)
    assert next(at for k, _, at in events if k == "stopped") - hijacked < TIMING["renew_deadline"]
    t.join(2)


def test_release_on_cancel_clears_the_holder_with_a_one_second_lease():
    store, events = Store(), []
    e = elector(store, "a", events, release_on_cancel=True)
    t = start(e)
    assert until(e.is_leader)
    e.stop()
    t.join(2)
    assert store.record.holder_identity == "" and store.record.lease_duration_seconds == 1
    follower = elector(store, "b", events)
    began = time.monotonic()
    t2 = start(follower)
    assert until(follower.is_leader, timeout=2) and time.monotonic() - began < 0.5
    follower.stop()
    t2.join(2)


def test_without_release_the_holder_stays():
    store, events = Store(), []
    e = elector(store, "a", events)
    t = start(e)
    assert until(e.is_leader)
    e.stop()
    t.join(2)
    assert store.record.holder_identity == "a"


def test_a_callback_that_raises_does_not_stop_the_election(caplog):
    store = Store()

    def boom(lost):
        raise RuntimeError("boom")

    e = LeaderElector(None, lock_name="l", namespace="ns", identity="a", lock=FakeLock(store, "a"),
                      on_started_leading=boom, on_stopped_leading=lambda: None, **TIMING)
    t = start(e)
    assert until(lambda: len(store.writes) >= 3) and e.is_leader()
    e.stop()
    t.join(2)
    assert "boom" in caplog.text


@pytest.mark.parametrize(
    "record",
    [LeaderElectionRecord("a", 15, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:01.000000Z", 2),
     LeaderElectionRecord("", 1, "", "", 0)],
    ids=["held", "released"],
)
def test_lease_spec_round_trip(record):
    assert lease_to_record({"spec": record_to_spec(record)}) == record


def test_lease_fields_of_the_wrong_type_read_as_zero():
    assert lease_to_record({"spec": {"holderIdentity": 5, "leaseDurationSeconds": "15", "leaseTransitions": True}}) \
        == LeaderElectionRecord()


def test_micro_time_is_rfc3339_with_microseconds():
    text = micro_time()
    assert len(text) == 27 and text.endswith("Z") and text[19] == "."


def test_the_locks_satisfy_the_protocol():
    assert isinstance(FakeLock(Store(), "a"), ResourceLock)
    assert isinstance(LeaseLock(None, namespace="ns", name="l", identity="a", transport=object()), ResourceLock)


def test_the_asyncio_face_runs_the_same_loop_and_calls_coroutines_on_the_loop():
    import asyncio

    from dynclient.tools.leaderelection.aio import AsyncLeaderElector

    store, calls = Store(), []

    async def main():
        loop = asyncio.get_running_loop()

        async def started(lost):
            assert asyncio.get_running_loop() is loop
            calls.append("started")
            await lost.wait()
            calls.append("lost")

        async def stopped():
            calls.append("stopped")

        e = AsyncLeaderElector(None, lock_name="l", namespace="ns", identity="a", lock=FakeLock(store, "a"),
                               on_started_leading=started, on_stopped_leading=stopped, release_on_cancel=True,
                               **TIMING)
        task = asyncio.ensure_future(e.run())
        for _ in range(200):
            if e.is_leader():
                break
            await asyncio.sleep(0.01)
        assert e.is_leader() and e.leader == "a"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert calls[:1] == ["started"] and "stopped" in calls and store.record.holder_identity == ""
