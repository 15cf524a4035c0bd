"""The recording script: what it stores, read back through a FakeCluster serving the recorded release."""

from __future__ import annotations

import gzip
import json

from dynclient.testing import FakeCluster
from dynclient.testing.record import DATA_FILE, main, record, write


def test_recording_a_fake_reproduces_the_release_without_crd_groups(tmp_path):
    cluster = FakeCluster()
    cluster.create({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                    "metadata": {"name": "widgets.example.com"},
                    "spec": {"group": "example.com", "scope": "Namespaced",
                             "names": {"plural": "widgets", "kind": "Widget"},
                             "versions": [{"name": "v1", "served": True, "storage": True}]}})
    with cluster.connect() as dyn:
        docs = record(dyn)
    groups = [g["metadata"]["name"] for g in docs["aggregated"]["/apis"]["items"]]
    assert "example.com" not in groups and "apps" in groups
    assert "/apis/example.com/v1" not in docs["legacy"]
    assert docs["legacy"]["/apis/apps/v1"]["kind"] == "APIResourceList"
    path = write(docs, tmp_path)
    assert path.name == DATA_FILE
    assert json.loads(gzip.decompress(path.read_bytes()))["version"] == docs["version"]


def test_usage_error(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
