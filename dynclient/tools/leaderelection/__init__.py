"""Leader election among replicas, through a Lease (client-go ``tools/leaderelection``).

``leaderelection.LeaderElector`` is the loop and its timing;
``resourcelock`` holds the lock kinds behind the ``ResourceLock`` Protocol
(``LeaseLock``: a ``coordination.k8s.io/v1`` Lease)::

    from dynclient.tools.leaderelection import LeaderElector

    def lead(lost):
        while not lost.wait(1.0):
            reconcile()

    LeaderElector(dyn, lock_name="my-controller", namespace="kube-system", identity=socket.gethostname(),
                  on_started_leading=lead, on_stopped_leading=lambda: sys.exit(0)).run()
"""

from __future__ import annotations

from .leaderelection import JITTER_FACTOR, LeaderElector, micro_time
from .resourcelock import LeaderElectionRecord, LeaseLock, ResourceLock

__all__ = ["LeaderElector", "LeaderElectionRecord", "LeaseLock", "ResourceLock", "JITTER_FACTOR", "micro_time"]
