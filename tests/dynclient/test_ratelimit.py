from __future__ import annotations

import pytest

from dynclient.ratelimit import TokenBucket


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.mark.parametrize(
    "qps, burst, requests, expected_elapsed",
    [(10, 5, 5, 0.0), (10, 5, 15, 1.0), (2, 1, 5, 2.0), (0, 1, 100, 0.0)],
    ids=["within-burst", "beyond-burst", "slow-qps", "unlimited"],
)
def test_token_bucket_spaces_requests(qps, burst, requests, expected_elapsed):
    clock = FakeClock()
    bucket = TokenBucket(qps, burst, clock=clock, sleep=clock.sleep)
    for _ in range(requests):
        bucket.acquire()
    assert clock.now == pytest.approx(expected_elapsed)


def test_token_bucket_timeout_gives_token_back():
    clock = FakeClock()
    bucket = TokenBucket(1, 1, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    with pytest.raises(TimeoutError):
        bucket.acquire(timeout=0.5)
    clock.now += 1.0
    bucket.acquire(timeout=0.0)
    assert clock.now == 1.0
