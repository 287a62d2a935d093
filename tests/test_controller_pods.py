"""management, zero-access, uptime-monitor, qa and ovc-versions."""
import json

import pytest

from .conftest import container_named, environment, find, find_all, pod_spec, synth


def test_snapshot(example_manifests, yaml_snapshot):
    names = ("management", "zero-access", "uptime-monitor", "ovc-versions", "qa")
    assert [d for d in example_manifests if d["metadata"]["name"].startswith(names)] == yaml_snapshot


def test_management_ssh_is_internal(example_manifests):
    service = find(example_manifests, "Service", "management-internal")
    assert service["spec"]["ports"] == [{"name": "ssh", "nodePort": 32205, "port": 2205, "protocol": "TCP", "targetPort": 2205}]
    assert service["spec"]["externalIPs"] == ["10.199.0.11", "10.199.0.12", "10.199.0.13"]
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"] == "management"]


def test_zero_access_publishes_ssh_and_keeps_state_on_host_paths(example_manifests):
    internal = find(example_manifests, "Service", "zero-access-internal")
    assert internal["spec"]["ports"] == [{"name": "ssh", "nodePort": 30722, "port": 7022, "protocol": "TCP", "targetPort": 22}]
    cluster = find(example_manifests, "Service", "zero-access")
    assert [(p["port"], p["targetPort"]) for p in cluster["spec"]["ports"]] == [(7022, 22), (5000, 5000)]
    deployment = find(example_manifests, "Deployment", "zero-access")
    assert container_named(deployment, "zero-access")["readinessProbe"]["httpGet"] == {"path": "/ping", "port": 5000}
    volumes = {v["name"]: v["hostPath"]["path"] for v in pod_spec(deployment)["volumes"] if "hostPath" in v}
    assert volumes == {"sessions": "/var/ovc/0-access", "host-keys": "/var/ovc/0-access-hostkeys"}
    synced = {v["hostPath"]["path"] for v in pod_spec(find(example_manifests, "DaemonSet", "billing-sync"))["volumes"] if "hostPath" in v}
    assert {"/var/ovc/0-access", "/var/ovc/0-access-hostkeys", "/var/ovc/pxeboot"} <= synced


def test_uptime_monitor_internal_9500(example_manifests):
    assert find(example_manifests, "Service", "uptime-monitor-internal")["spec"]["ports"][0]["port"] == 9500


def test_depend_on_nothing(example_manifests):
    for name in ("management", "zero-access", "uptime-monitor"):
        init = [c["name"] for c in pod_spec(find(example_manifests, "Deployment", name))["initContainers"]]
        assert not [c for c in init if c.startswith("wait-for-")], name


def test_qa_is_off_by_default_and_each_pod_can_be_turned_off(example_manifests):
    assert not [d for d in example_manifests if d["metadata"]["name"] == "qa"]
    out = synth(environment(qa={"enabled": True}, management_pod={"enabled": False},
                            zero_access={"enabled": False}, uptime_monitor={"enabled": False}, ovc_versions={"enabled": False}))
    names = {d["metadata"]["name"] for d in find_all(out, "Deployment")}
    assert "qa" in names and not names & {"management", "zero-access", "uptime-monitor", "ovc-versions"}


def test_internal_exposure_needs_a_node_port():
    from ovc_constructs import InvalidEnvironment

    with pytest.raises(InvalidEnvironment, match=r"uptime_monitor.node_port: required for an internal or public exposure"):
        environment(uptime_monitor={"node_port": None})


def test_version_manifest_matches_the_chart_images(example_manifests):
    manifest = json.loads(find(example_manifests, "ConfigMap", "ovc-versions")["data"]["manifest.json"])
    listed = {image for component in manifest["components"].values() for image in component["images"]}
    deployed = set()
    for doc in example_manifests:
        if doc["kind"] in ("Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"):
            spec = pod_spec(doc)
            deployed |= {c["image"] for c in spec["containers"] + spec.get("initContainers", [])}
    assert listed == deployed
    assert manifest["components"]["mongo"]["version"] == "3.4"
    assert manifest["environment"] == "be-g8-3"


def test_ovc_versions_serves_only_the_manifest(example_manifests):
    volumes = {v["name"]: v["configMap"] for v in pod_spec(find(example_manifests, "Deployment", "ovc-versions"))["volumes"] if "configMap" in v}
    assert volumes["content"]["items"] == [{"key": "manifest.json", "path": "manifest.json"}]
    assert volumes["config"]["items"] == [{"key": "nginx.conf", "path": "nginx.conf"}]


def test_version_manifest_follows_an_image_change():
    out = synth(environment(mongo={"image": "mongo:3.4.24"}))
    manifest = json.loads(find(out, "ConfigMap", "ovc-versions")["data"]["manifest.json"])
    assert "mongo:3.4.24" in manifest["components"]["mongo"]["images"]


def test_ovc_versions_is_kubernetes_only_unless_configured(example_manifests):
    assert find(example_manifests, "Service", "ovc-versions")["spec"]["type"] == "ClusterIP"
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"].startswith("ovc-versions-")]
    out = synth(environment(ovc_versions={"exposure": ["kubernetes", "internal"]}))
    assert find(out, "Service", "ovc-versions-internal")["spec"]["ports"][0]["nodePort"] == 30880
