"""A ``coordination.k8s.io/v1`` Lease as the leader-election lock (client-go ``resourcelock/leaselock.go``).

Every write is an update carrying the ``resourceVersion`` of the last read
or write (or a create when the Lease does not exist), never a blind write:
of two candidates racing for an expired lease, exactly one update lands.

The lock talks through a transport of its own, built from the client's
configuration with no retries: a retry's sleep (a ``Retry-After`` of 30 s)
must never carry a renewal past the renew deadline. Each request is bounded
by the ``timeout`` the elector gives it.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional, Tuple

from discovery.types import GroupVersionResource

from ....paths import check_name, check_namespace, resource_path
from ....replies import decode_object
from .interface import LeaderElectionRecord

__all__ = ["LeaseLock", "LEASES"]

LEASES = GroupVersionResource("coordination.k8s.io", "v1", "leases")


class LeaseLock:
    """The Lease ``namespace/name``, held by ``identity`` when it leads.

    ``dyn`` is a ``DynamicClient`` (or anything with a ``transport``): its
    configuration and hooks are reused for the lock's own retry-free
    transport. ``transport`` may be given instead (tests).
    """

    def __init__(self, dyn: Any, *, namespace: str, name: str, identity: str, transport: Any = None) -> None:
        check_namespace(namespace)
        check_name(name)
        if not identity:
            raise ValueError("leader election needs a non-empty identity")
        self.namespace, self.name, self.identity = namespace, name, identity
        if transport is None:
            from ....transport import Transport

            base = dyn.transport
            transport = Transport(base.config, qps=0, burst=1, max_retries=0, timeout=base.timeout,
                                  hooks=list(base.hooks), pool_maxsize=2)
            self._owns_transport = True
        else:
            self._owns_transport = False
        self.transport = transport
        self._lock = threading.Lock()
        self._lease: Optional[Dict[str, Any]] = None  # the last Lease read or written

    def describe(self) -> str:
        return f"{self.namespace}/{self.name}"

    def close(self) -> None:
        """Close the lock's own transport (not one that was given)."""
        if self._owns_transport:
            self.transport.close()

    def _timeouts(self, timeout: Optional[float]) -> Optional[Tuple[float, float]]:
        if timeout is None:
            return None
        t = max(0.05, timeout)
        return (min(self.transport.timeout[0], t), t)

    def _send(self, method: str, path: str, body: Any, timeout: Optional[float]) -> Dict[str, Any]:
        reply = self.transport.request(method, path, body=body, timeout=self._timeouts(timeout))
        return decode_object(reply, method=method, url=self.transport.url(path))

    def get(self, *, timeout: Optional[float] = None) -> Optional[LeaderElectionRecord]:
        from discovery.errors import NotFound

        try:
            lease = self._send("GET", resource_path(LEASES, self.namespace, self.name), None, timeout)
        except NotFound:
            with self._lock:
                self._lease = None
            return None
        with self._lock:
            self._lease = lease
        return lease_to_record(lease)

    def create(self, record: LeaderElectionRecord, *, timeout: Optional[float] = None) -> None:
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace}, "spec": record_to_spec(record)}
        lease = self._send("POST", resource_path(LEASES, self.namespace), body, timeout)
        with self._lock:
            self._lease = lease

    def update(self, record: LeaderElectionRecord, *, timeout: Optional[float] = None) -> None:
        with self._lock:
            last = self._lease
        if last is None:
            raise ValueError(f"lease {self.describe()} not read yet: get or create it before updating")
        meta = last.get("metadata") or {}
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                # resourceVersion is the precondition: a write in between makes this a 409 Conflict.
                "metadata": {**meta, "name": self.name, "namespace": self.namespace},
                "spec": {**(last.get("spec") or {}), **record_to_spec(record)}}
        lease = self._send("PUT", resource_path(LEASES, self.namespace, self.name), body, timeout)
        with self._lock:
            self._lease = lease


def record_to_spec(record: LeaderElectionRecord) -> Dict[str, Any]:
    """The Lease ``spec`` for ``record`` (client-go ``LeaderElectionRecordToLeaseSpec``)."""
    spec: Dict[str, Any] = {"holderIdentity": record.holder_identity,
                            "leaseDurationSeconds": int(record.lease_duration_seconds),
                            "leaseTransitions": int(record.leader_transitions)}
    if record.acquire_time:
        spec["acquireTime"] = record.acquire_time
    if record.renew_time:
        spec["renewTime"] = record.renew_time
    return spec


def lease_to_record(lease: Dict[str, Any]) -> LeaderElectionRecord:
    """The record a Lease holds (client-go ``LeaseSpecToLeaderElectionRecord``); missing fields are zero."""
    spec = lease.get("spec") or {}

    def integer(key: str) -> int:
        value = spec.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def text(key: str) -> str:
        value = spec.get(key)
        return value if isinstance(value, str) else ""

    return LeaderElectionRecord(holder_identity=text("holderIdentity"),
                                lease_duration_seconds=integer("leaseDurationSeconds"),
                                acquire_time=text("acquireTime"), renew_time=text("renewTime"),
                                leader_transitions=integer("leaseTransitions"))
