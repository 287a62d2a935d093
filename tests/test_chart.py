"""G8Chart as a whole: namespace, the G8-wide ConfigMaps, default-deny ingress, labels, release images."""
import json
import re

import pytest
import yaml

from ovc_constructs import InvalidEnvironment, G8Chart

from .conftest import POD_OWNERS, environment, example_data, find, merge, nodes, pod_spec, synth

CLUSTER_SCOPED = {"Namespace", "StorageClass", "PersistentVolume"}
RECOMMENDED = ["name", "instance", "component", "part-of", "version", "managed-by"]
G8_WIDE = {("Namespace", "openvcloud"), ("ConfigMap", "g8-environment"), ("NetworkPolicy", "default-deny-ingress"),
           ("ConfigMap", "system-config"), ("ConfigMap", "versions-manifest")}
"""Objects of the G8 as a whole, not of one component: they carry the chart's labels only."""


def test_snapshot_of_the_example_environment(example_manifests, yaml_snapshot):
    assert example_manifests == yaml_snapshot


def test_snapshot_of_the_converged_example(all_outputs, yaml_snapshot):
    """be-conv-1: three nodes with every role (no PxeBoot; nginx's upstreams are the controllers themselves)."""
    assert all_outputs["be-conv-1"] == yaml_snapshot


def test_namespace_comes_first_and_cluster_scoped_objects_carry_no_namespace(example_manifests):
    assert example_manifests[0]["kind"] == "Namespace"
    assert example_manifests[0]["metadata"]["name"] == "openvcloud"
    for doc in example_manifests:
        if doc["kind"] in CLUSTER_SCOPED:
            assert "namespace" not in doc["metadata"], doc["metadata"]["name"]
        else:
            assert doc["metadata"]["namespace"] == "openvcloud", doc["metadata"]["name"]


def test_environment_config_map(example_manifests):
    data = find(example_manifests, "ConfigMap", "g8-environment")["data"]
    assert data == {
        "G8_NAME": "be-g8-3",
        "G8_GRID_ID": "3",
        "G8_FQDN": "be-g8-3.gig.tech",
        "G8_NAMESPACE": "openvcloud",
        "G8_MANAGEMENT_CIDR": "10.199.0.0/22",
        "G8_CONTROLLER_NODES": "ctrl-01 ctrl-02 ctrl-03",
        "G8_CONTROLLER_MANAGEMENT_IPS": "10.199.0.11 10.199.0.12 10.199.0.13",
        "G8_CONTROLLER_BACKPLANE_IPS": "10.199.8.11 10.199.8.12 10.199.8.13",
        "G8_CONTROLLER_PUBLIC_IPS": "185.69.164.11 185.69.164.12 185.69.164.13",
    }


def test_system_config_and_versions_manifest_come_right_after_the_namespace_objects(example_manifests):
    order = [(d["kind"], d["metadata"]["name"]) for d in example_manifests]
    assert order[:5] == [("Namespace", "openvcloud"), ("ConfigMap", "g8-environment"), ("NetworkPolicy", "default-deny-ingress"),
                         ("ConfigMap", "system-config"), ("ConfigMap", "versions-manifest")]
    config = find(example_manifests, "ConfigMap", "system-config")["data"]
    assert sorted(config) == ["merge-system-config.py", "secret-fields.json", "system-config.yaml"]
    processed = yaml.safe_load(config["system-config.yaml"])
    assert processed["environment"]["subdomain"] == "be-g8-3" and processed["environment"]["grid"]["id"] == 3
    assert "password" not in processed["environment"], "secret values are merged per pod at start, never stored here"
    assert {tuple(f["path"]) for f in json.loads(config["secret-fields.json"])} >= {("environment", "password"), ("ssh", "private-key")}


def test_every_release_image_runs_at_the_tag_of_the_versions_manifest(example_manifests):
    manifest = yaml.safe_load(find(example_manifests, "ConfigMap", "versions-manifest")["data"]["versions-manifest.yaml"])
    assert manifest["version"] == "2.4.5.3"
    images = set()
    for workload in (d for d in example_manifests if d["kind"] in POD_OWNERS):
        spec = pod_spec(workload)
        images |= {c["image"] for c in spec["containers"] + spec.get("initContainers", [])}
    released = {image for image in images if image.rsplit(":", 1)[0] in manifest["images"]}
    assert {image.rsplit(":", 1)[0] for image in released} >= {"openvcloud/cb_master", "mongo", "syncthing/syncthing", "openvcloud/nginx"}
    for image in released:
        name, tag = image.rsplit(":", 1)
        assert tag == manifest["images"][name], image
    assert not [image for image in images if image.endswith(":latest")]


def test_ingress_is_denied_by_default(example_manifests):
    policy = find(example_manifests, "NetworkPolicy", "default-deny-ingress")
    assert policy["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}


def test_component_objects_carry_the_recommended_labels(example_manifests):
    for doc in example_manifests:
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "openvcloud"
        assert labels["app.kubernetes.io/managed-by"] == "cdk8s"
        assert labels["app.kubernetes.io/instance"] == "be-g8-3"
        if (doc["kind"], doc["metadata"]["name"]) in G8_WIDE:
            continue
        missing = [k for k in RECOMMENDED if f"app.kubernetes.io/{k}" not in labels]
        assert missing == [], f"{doc['kind']}/{doc['metadata']['name']} lacks {missing}"


def test_no_generated_name_hashes(example_manifests):
    names = [d["metadata"]["name"] for d in example_manifests]
    assert "mongo" in names and "osis" in names
    assert not [n for n in names if n.startswith("be-g8-3-")]


@pytest.mark.parametrize("overrides, message", [
    ({"nodes": nodes(2)}, "nodes: 2 controller node(s) given; a G8 needs at least 3"),
    ({"release": {"images": {"syncthing/syncthing": "latest"}}}, "release.images['syncthing/syncthing']: syncthing/syncthing would float"),
    ({"mongo": {"image": "mongo:3.4"}}, "mongo.image: images come from the release manifest"),
], ids=["two-controllers", "latest", "image-field"])
def test_the_chart_refuses_an_invalid_environment_built_in_code(overrides, message):
    from cdk8s import Testing

    from ovc_constructs.environment import Environment

    environment = Environment.model_validate(merge(example_data(), overrides))
    with pytest.raises(InvalidEnvironment, match=rf"^be-g8-3: {re.escape(message)}"):
        G8Chart(Testing.app(), "x", environment=environment)


def test_single_instance_internal_services_admit_the_pod_network_of_the_environment():
    out = synth(environment(networks={"pods": {"cidr": "10.32.0.0/12"}}))
    for name in ("agentcontroller-internal", "uptime-monitor-internal", "management-internal"):
        assert {"ipBlock": {"cidr": "10.32.0.0/12"}} in find(out, "NetworkPolicy", name)["spec"]["ingress"][0]["from"], name
    assert [p["ipBlock"]["cidr"] for p in find(out, "NetworkPolicy", "osis-internal")["spec"]["ingress"][0]["from"]] == [
        "10.199.0.0/22", "10.199.8.0/24"], "osis answers on every controller with the client's own address"


@pytest.mark.parametrize("cidr, message", [
    ("10.244.0.1/16", "'10.244.0.1/16' is not a valid IPv4 network in CIDR form"),
    ("8.8.0.0/16", "'8.8.0.0/16' is not a private range"),
    ("10.199.2.0/23", "10.199.2.0/23 overlaps networks.management.cidr 10.199.0.0/22"),
    ("10.199.8.0/25", "10.199.8.0/25 overlaps networks.backplane.cidr 10.199.8.0/24"),
], ids=["host-bits", "public", "overlaps-management", "inside-backplane"])
def test_the_pod_network_must_be_a_private_cidr_of_its_own(cidr, message):
    with pytest.raises(InvalidEnvironment) as raised:
        environment(networks={"pods": {"cidr": cidr}})
    assert [line.startswith(f"test.yaml: networks.pods.cidr: {message}") for line in raised.value.lines] == [True]



def test_libyaml_reads_every_shipped_release_manifest_as_pure_python_pyyaml_does():
    """The release manifests are read with libyaml when PyYAML has it (files.SAFE_LOADER): the same data."""
    from ovc_constructs.files import SAFE_LOADER
    from ovc_constructs.release import RELEASES, shipped_versions

    assert SAFE_LOADER is yaml.CSafeLoader, "this PyYAML has no libyaml: nothing compared"
    for version in shipped_versions():
        text = (RELEASES / f"{version}.yml").read_text(encoding="utf-8")
        assert yaml.load(text, Loader=SAFE_LOADER) == yaml.safe_load(text)  # noqa: S506 - a safe loader
