"""``api-resources`` over the shared discovery fixtures, against golden outputs (see golden/README.md)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import List

import pytest

from discovery.errors import GroupDiscoveryFailed
from discovery.model import APIGroup, APIGroupList, APIResourceList
from discovery.preferred import preferred_resources
from discovery.types import GroupVersion
from dynclient.cli import api_resources
from dynclient.cli.main import main
from dynclient.cli.session import Session

GOLDEN = Path(__file__).parent / "golden"


class FixtureDiscovery:
    """In-memory discovery over the fixture documents: groups in server order, core first."""

    def __init__(self, load_fixture, kube_fixtures: Path, *, fail: bool = False) -> None:
        core = APIGroup("", ("v1",), "v1")
        groups = [core, *APIGroupList.from_dict(load_fixture("/apis")).groups]
        resources = {}
        for group in groups:
            for gv in group.group_versions():
                path = "/api/v1" if not gv.group else f"/apis/{gv.group}/{gv.version}"
                name = path.strip("/").replace("/", "__") + ".json"
                if (kube_fixtures / name).exists():
                    resources[gv] = APIResourceList.from_dict(load_fixture(path), group_version=gv)
        self.lists = preferred_resources(groups, resources)
        self.fail = fail
        self.invalidated = 0

    def invalidate(self) -> None:
        self.invalidated += 1

    def server_preferred_resources(self) -> List[APIResourceList]:
        if self.fail:
            broken = GroupVersion("apps", "v1")
            raise GroupDiscoveryFailed({broken: RuntimeError("the server is currently unable to handle the request")},
                                       partial=[lst for lst in self.lists if lst.group_version != broken])
        return self.lists


@pytest.fixture
def discovery(load_fixture, kube_fixtures, monkeypatch):
    fake = FixtureDiscovery(load_fixture, kube_fixtures)

    class FakeClient:
        def __init__(self):
            self.discovery = fake

        def close(self):
            pass

    monkeypatch.setattr(Session, "client", lambda self: FakeClient())
    return fake


GOLDEN_CASES = [
    ("default", []),
    ("wide", ["-o", "wide"]),
    ("name", ["-o", "name"]),
    ("apps", ["--api-group", "apps"]),
    ("core", ["--api-group="]),
    ("cluster", ["--namespaced=false"]),
    ("namespaced_listwatch", ["--namespaced", "true", "--verbs", "list,watch"]),
    ("sort_kind", ["--sort-by", "kind"]),
    ("sort_name_noheaders", ["--sort-by=name", "--no-headers"]),
    ("category_all", ["--categories", "all", "-o", "wide"]),
    ("nothing", ["--api-group", "nosuch", "-o", "wide"]),
    ("create_only", ["--verbs=create", "-o", "name"]),
]


@pytest.mark.parametrize("name,flags", GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_output_matches_golden(discovery, capsys, name, flags):
    assert main(["api-resources", *flags]) == 0
    captured = capsys.readouterr()
    assert captured.out == (GOLDEN / f"api_resources_{name}.txt").read_text()
    assert captured.err == ""


def test_invalidates_unless_cached(discovery, capsys):
    main(["api-resources"])
    main(["api-resources", "--cached"])
    assert discovery.invalidated == 1


@pytest.mark.parametrize("flags,message", [
    (["-o", "json"], "error: --output json is not available\n"),
    (["--sort-by", "age"], "error: --sort-by accepts only name or kind\n"),
], ids=["bad-output", "bad-sort"])
def test_bad_flags(discovery, capsys, flags, message):
    assert main(["api-resources", *flags]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message)


def test_partial_discovery_prints_what_loaded_then_fails(discovery, capsys):
    discovery.fail = True
    assert main(["api-resources", "--api-group", "batch", "-o", "name"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "cronjobs.batch\njobs.batch\n"
    assert captured.err == ("error: unable to retrieve the complete list of server APIs: apps/v1: "
                            "the server is currently unable to handle the request\n")


def test_collect_skips_resources_without_verbs_and_subresources():
    from discovery.model import APIResource

    lst = APIResourceList(GroupVersion("x.io", "v1"), (
        APIResource("things", "thing", True, "Thing", ("get",)),
        APIResource("things/status", "", True, "Thing", ("get",)),
        APIResource("ghosts", "ghost", True, "Ghost", ()),
    ))
    assert [r.resource.name for r in api_resources.collect([lst])] == ["things"]


def test_render_wide_row():
    from discovery.model import APIResource

    res = APIResource("widgets", "widget", True, "Widget", ("get", "list"), ("wd",), ("all", "mine"))
    out = io.StringIO()
    api_resources.render([api_resources.Row("example.com", "example.com/v1", res)], out, output="wide")
    assert out.getvalue() == (
        "NAME      SHORTNAMES   APIVERSION       NAMESPACED   KIND     VERBS      CATEGORIES\n"
        "widgets   wd           example.com/v1   true         Widget   get,list   all,mine\n"
    )
