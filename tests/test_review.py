"""The review summary (`python -m ovc_constructs diff`): a realistic change of the example G8, read as a reviewer would."""
from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from ovc_constructs import review
from ovc_constructs.cli import main

from .conftest import ROOT, environment, example_data, nodes, synth
from .validators import write_manifests

FILE = "be-g8-3.k8s.yaml"


class MarkdownSnapshot(SingleFileSnapshotExtension):
    """The summary exactly as a pull request comment would carry it, readable in the snapshot's own diff."""

    file_extension = "md"
    _write_mode = WriteMode.TEXT

    def serialize(self, data: Any, **kwargs: Any) -> str:
        return data


@pytest.fixture(scope="module")
def changed_manifests() -> list[dict]:
    """The example G8 with a fourth controller, influxdb bumped from 1.4 to 1.4.3 and ovc-versions disabled."""
    return synth(environment(nodes=[*example_data()["nodes"], nodes(4)[3]],
                             release={"images": {"influxdb": "1.4.3"}}, ovc_versions={"enabled": False}))


def objects(manifests: list[dict]) -> dict[review.Key, dict]:
    return {review.object_key(m): m for m in manifests}


@pytest.fixture(scope="module")
def files(example_manifests, changed_manifests) -> list[review.FileChange]:
    return review.compare({FILE: objects(example_manifests)}, {FILE: objects(changed_manifests)})


def change(files: list[review.FileChange], kind: str, name: str) -> review.ObjectChange:
    found = [c for c in files[0].objects if c.key[1] == kind and c.key[3] == name]
    assert len(found) == 1, f"no single change of {kind} {name}"
    return found[0]


def field(object_change: review.ObjectChange, path: str) -> review.FieldChange:
    found = [f for f in object_change.fields if f.path == path]
    assert len(found) == 1, f"{path} not among {[f.path for f in object_change.fields]}"
    return found[0]


def test_markdown_summary_snapshot(files, snapshot):
    assert review.render_markdown(files, "main", "this change") == snapshot.use_extension(MarkdownSnapshot)


def test_the_disabled_component_is_removed_and_nothing_else(files, example_manifests):
    removed = {c.key for c in files[0].objects if c.status == "removed"}
    labelled = {review.object_key(m) for m in example_manifests
                if m["metadata"].get("labels", {}).get("openvcloud.io/component") == "ovc-versions"}
    assert ("apps", "Deployment", "openvcloud", "ovc-versions") in labelled
    assert removed == labelled


def test_the_image_bump_rolls_pods(files):
    influxdb = change(files, "Deployment", "influxdb")
    assert influxdb.status == "changed" and influxdb.rolls_pods and not influxdb.touches_data
    image = field(influxdb, "spec.template.spec.containers[influxdb].image")
    assert (image.old, image.new) == ("influxdb:1.4", "influxdb:1.4.3")
    service = change(files, "Service", "influxdb")  # only its version label: nothing restarts
    assert service.fields and not service.rolls_pods


def test_the_new_nodes_volume_touches_data(files):
    volume = change(files, "PersistentVolume", "openvcloud-mongo-ctrl-04")
    assert volume.status == "added" and volume.touches_data and volume.flags == ["touches data"]
    mongo = change(files, "StatefulSet", "mongo")  # a fourth replica: a fourth claim
    assert field(mongo, "spec.replicas").new == 4 and mongo.touches_data
    assert not change(files, "Deployment", "grafana").touches_data  # its host path did not change
    assert [c.key[3] for c in files[0].objects if c.touches_data] == ["openvcloud-mongo-ctrl-04", "mongo"]


def test_a_multi_line_config_shows_as_a_unified_diff(files):
    pxeboot = change(files, "ConfigMap", "pxeboot")
    dnsmasq = field(pxeboot, 'data."dnsmasq.conf"')
    hunk = review.unified(dnsmasq)
    assert hunk[0].startswith("@@ ") and "+host-record=ctrl-04.be-g8-3,ctrl-04,10.199.0.14" in hunk
    assert [line for line in hunk if line[0] in "+-"] == ["+host-record=ctrl-04.be-g8-3,ctrl-04,10.199.0.14"]
    text = review.render_text(files, "main", "this change")
    assert "\n      data.\"dnsmasq.conf\":\n        @@ " in text
    assert "\n        +host-record=ctrl-04.be-g8-3,ctrl-04,10.199.0.14\n" in text
    assert pxeboot.rolls_pods and pxeboot.readers == [("Deployment.apps/pxeboot", True)]


def deployment(name: str, volumes: list[dict], annotations: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "ns"},
            "spec": {"template": {"metadata": {"annotations": annotations or {}},
                                  "spec": {"containers": [{"name": "app", "image": "app:1"}], "volumes": volumes}}}}


def config_map(data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "ns"}, "data": data}


def test_a_config_read_by_a_pod_that_does_not_roll_says_so():
    volumes = [{"name": "settings", "configMap": {"name": "settings"}}]
    old = objects([config_map({"a.conf": "x\n"}), deployment("reader", volumes), deployment("other", [])])
    new = objects([config_map({"a.conf": "y\n"}), deployment("reader", volumes), deployment("other", [])])
    (settings,) = review.compare_objects(old, new)
    assert settings.rolls_pods and settings.readers == [("Deployment.apps/reader", False)]
    assert "Deployment.apps/reader (does not roll: restart it to apply)" in review.render_text(
        review.compare({FILE: old}, {FILE: new}), "a", "b")


def test_only_volumes_that_hold_data_touch_data():
    host = {"name": "data", "hostPath": {"path": "/var/ovc/a"}}
    config = {"name": "settings", "configMap": {"name": "settings"}}
    moved = review.compare_objects(objects([deployment("app", [host, config])]),
                                   objects([deployment("app", [{**host, "hostPath": {"path": "/var/ovc/b"}}, config])]))
    renamed = review.compare_objects(objects([deployment("app", [host, config])]),
                                     objects([deployment("app", [host, {**config, "configMap": {"name": "other"}}])]))
    assert [(c.touches_data, c.rolls_pods) for c in moved + renamed] == [(True, True), (False, True)]
    assert [f.path for f in moved[0].fields] == ["spec.template.spec.volumes[data].hostPath.path"]


def test_secret_values_never_show():
    def secret(value: str) -> dict:
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "ns"},
                "data": {"password": value}, "stringData": {"token": value}}

    old, new = objects([secret("b2xk")]), objects([secret("bmV3")])
    files = review.compare({FILE: old}, {FILE: new})
    for render in (review.render_text, review.render_markdown):
        text = render(files, "a", "b")
        assert "password" in text and "token" in text and "(hidden)" in text
        assert "b2xk" not in text and "bmV3" not in text


def test_list_items_are_keyed_by_name_and_their_order_is_shown():
    old = deployment("app", [])
    new = deployment("app", [])
    old["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "side:1"})
    new["spec"]["template"]["spec"]["containers"] = [{"name": "sidecar", "image": "side:2"}, {"name": "app", "image": "app:1"}]
    (app,) = review.compare_objects(objects([old]), objects([new]))
    assert [(f.path, f.old, f.new) for f in app.fields] == [
        ("spec.template.spec.containers[sidecar].image", "side:1", "side:2"),
        ("spec.template.spec.containers (order)", ["app", "sidecar"], ["sidecar", "app"]),
    ]


def test_cli_compares_two_files(tmp_path, capsys, example_manifests, changed_manifests):
    old = write_manifests(example_manifests, tmp_path / "old.k8s.yaml")
    new = write_manifests(changed_manifests, tmp_path / FILE)
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{old} -> {new}\n")
    assert f"\n{FILE}: 1 added, 6 removed, " in out
    assert "\n  ~ openvcloud/influxdb  [rolls pods]\n" in out
    assert '      spec.template.spec.containers[influxdb].image: "influxdb:1.4" -> "influxdb:1.4.3"\n' in out
    assert main(["diff", "--format", "markdown", str(tmp_path), str(tmp_path)]) == 0  # exit 0 without differences too
    out = capsys.readouterr().out
    assert out.startswith(review.MARKER) and "#### `old.k8s.yaml`: no changes\n" in out


@pytest.mark.parametrize("content, message", [
    (None, "no such file or directory"),
    ("a: [1\n", "not YAML: line 2: "),
    ("name: be-g8-3\ngrid_id: 3\n", "document 1: not a Kubernetes object"),
    ("a: &x [1]\nb: *x\nkind: K\napiVersion: v1\nmetadata: {name: n}\n", "YAML aliases are not supported"),
])
def test_cli_refuses_bad_input_in_one_line(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.k8s.yaml"
    if content is not None:
        bad.write_text(content)
    assert main(["diff", str(bad), str(ROOT / "tests" / "__snapshots__")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"{bad}: ") and message in captured.err
    assert captured.err.count("\n") == 1


def test_cli_refuses_an_unknown_revision(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["diff", "--git", "no-such-revision-of-this-repository"]) == 2
    assert capsys.readouterr().err == "no-such-revision-of-this-repository: unknown git revision\n"


def test_git_head_against_the_working_tree():
    """HEAD's environment file synthesized by HEAD's code against the working tree's, both in child processes."""
    done = subprocess.run([sys.executable, "-m", "ovc_constructs", "diff", "--git", "HEAD", "--env", "be-g8-3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0] == "HEAD (synthesized) -> working tree (synthesized)"
    headlines = [line for line in lines if ".k8s.yaml" in line and not line.startswith(" ")]
    assert len(headlines) == 1 and headlines[0].startswith(f"{FILE}: ")  # --env: this G8 only
