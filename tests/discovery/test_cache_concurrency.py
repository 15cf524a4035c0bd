"""The disk cache under concurrent processes, damaged files and hostile group names (no server needed)."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
from pathlib import Path

import pytest

from discovery import FakeRequester
from discovery.client import DiscoveryClient
from discovery.disk import DiskCachedDiscoveryClient
from discovery.errors import GroupDiscoveryFailed

PROCESSES = 8


def _check_files(cache_dir: str) -> int:
    """Read every cache file as another kubectl would; count the ones that are not whole documents."""
    corrupt = 0
    for root, _, files in os.walk(cache_dir):
        for name in files:
            if not name.endswith(".json"):
                continue  # a writer's temp file
            try:
                with open(os.path.join(root, name), "rb") as f:
                    doc = json.loads(f.read())
                if doc.get("kind") not in ("APIGroupList", "APIResourceList"):
                    corrupt += 1
            except FileNotFoundError:
                pass
            except ValueError:
                corrupt += 1
    return corrupt


def _worker(cache_dir: str, fixtures: str, rounds: int, seed: int) -> tuple:
    rng = random.Random(seed)
    fake = FakeRequester.from_fixture_dir(fixtures, aggregated=False)
    corrupt, lists = 0, 0
    for _ in range(rounds):
        client = DiskCachedDiscoveryClient(DiscoveryClient(fake, legacy_only=True), cache_dir, ttl=600)
        if rng.random() < 0.5:
            client.invalidate()  # ignore the others' files: fetch and rewrite them
        groups, resources = client.server_groups_and_resources()
        lists = len(resources)
        corrupt += _check_files(cache_dir)
    return corrupt, lists, len(fake.calls)


def test_eight_processes_share_one_cache_without_corrupt_reads(tmp_path: Path, kube_fixtures: Path):
    cache_dir = str(tmp_path / "cache")
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded pytest
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(_worker, [(cache_dir, str(kube_fixtures), 6, i) for i in range(PROCESSES)])
    expected = len(DiskCachedDiscoveryClient(DiscoveryClient(FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False), legacy_only=True),
                                             str(tmp_path / "solo")).server_groups_and_resources()[1])
    assert [corrupt for corrupt, _, _ in results] == [0] * PROCESSES
    assert {lists for _, lists, _ in results} == {expected}
    assert not [p for p in Path(cache_dir).rglob("*") if p.is_file() and not p.name.endswith(".json")]


@pytest.mark.parametrize("damage", [b"", b'{"kind":"APIGroupL', b"\x00garbage\xff", b'{"kind":"Pod","apiVersion":"v1"}'],
                         ids=["empty", "truncated", "garbage", "wrong-kind"])
def test_damaged_files_are_fetched_again(tmp_path: Path, legacy_fake: FakeRequester, damage: bytes):
    cache_dir = tmp_path / "cache"
    DiskCachedDiscoveryClient(DiscoveryClient(legacy_fake, legacy_only=True), cache_dir).server_groups_and_resources()
    victims = [cache_dir / "servergroups.json", cache_dir / "apps" / "v1" / "serverresources.json"]
    for victim in victims:
        victim.write_bytes(damage)
    legacy_fake.reset_calls()
    groups, resources = DiskCachedDiscoveryClient(DiscoveryClient(legacy_fake, legacy_only=True), cache_dir).server_groups_and_resources()
    assert {"/apis", "/apis/apps/v1"} <= set(legacy_fake.paths)
    assert any(str(rl.group_version) == "apps/v1" and rl.resources for rl in resources)
    for victim in victims:
        json.loads(victim.read_bytes())  # rewritten whole


def test_hostile_group_name_writes_nothing_outside_the_cache(tmp_path: Path, legacy_fake: FakeRequester,
                                                             load_fixture):
    apis = load_fixture("/apis")
    evil = "../../x"
    apis["groups"].append({"name": evil, "versions": [{"groupVersion": f"{evil}/v1", "version": "v1"}],
                           "preferredVersion": {"groupVersion": f"{evil}/v1", "version": "v1"}})
    legacy_fake.add("/apis", apis)
    legacy_fake.add(f"/apis/{evil}/v1", {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{evil}/v1",
                                        "resources": [{"name": "pwns", "namespaced": True, "kind": "Pwn",
                                                       "verbs": ["get"]}]})
    cache_dir = tmp_path / "a" / "b" / "cache"
    before = {p for p in tmp_path.rglob("*")}
    client = DiskCachedDiscoveryClient(DiscoveryClient(legacy_fake, legacy_only=True), cache_dir)
    try:
        client.server_groups_and_resources()
    except GroupDiscoveryFailed as err:
        assert any(evil in str(gv) for gv in err.failed)
    outside = [p for p in set(tmp_path.rglob("*")) - before if cache_dir not in p.parents and p != cache_dir
               and p not in cache_dir.parents]
    assert outside == []
    assert not (tmp_path / "x").exists() and not (tmp_path / "a" / "x").exists()
    assert f"/apis/{evil}/v1" not in legacy_fake.paths
