"""G8Chart as a whole: namespace, environment ConfigMap, default-deny ingress, labels, apply order."""
import pytest

from ovc_constructs import InvalidEnvironment, G8Chart

from .conftest import find

CLUSTER_SCOPED = {"Namespace", "StorageClass", "PersistentVolume"}
RECOMMENDED = ["name", "instance", "component", "part-of", "version", "managed-by"]


def test_snapshot_of_the_example_environment(example_manifests, yaml_snapshot):
    assert example_manifests == yaml_snapshot


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
    assert data["G8_NAME"] == "be-g8-3"
    assert data["G8_DOMAIN"] == "be-g8-3.gig.tech"
    assert data["G8_MANAGEMENT_CIDR"] == "10.199.0.0/22"
    assert data["G8_CONTROLLER_NODES"] == "ctrl-01 ctrl-02 ctrl-03"


def test_ingress_is_denied_by_default(example_manifests):
    policy = find(example_manifests, "NetworkPolicy", "default-deny-ingress")
    assert policy["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}


def test_component_objects_carry_the_recommended_labels(example_manifests):
    for doc in example_manifests:
        if doc["kind"] in ("Namespace", "ConfigMap") and doc["metadata"]["name"] in ("openvcloud", "g8-environment"):
            continue
        if doc["kind"] == "NetworkPolicy" and doc["metadata"]["name"] == "default-deny-ingress":
            continue
        labels = doc["metadata"]["labels"]
        missing = [k for k in RECOMMENDED if f"app.kubernetes.io/{k}" not in labels]
        assert missing == [], f"{doc['kind']}/{doc['metadata']['name']} lacks {missing}"
        assert labels["app.kubernetes.io/part-of"] == "openvcloud"
        assert labels["app.kubernetes.io/managed-by"] == "cdk8s"


def test_no_generated_name_hashes(example_manifests):
    names = [d["metadata"]["name"] for d in example_manifests]
    assert "mongo" in names and "osis" in names
    assert not [n for n in names if n.startswith("be-g8-3-")]


def test_the_chart_refuses_an_invalid_environment_built_in_code():
    from cdk8s import Testing

    from ovc_constructs.environment import Environment
    from .conftest import example_data, merge, nodes

    environment = Environment.model_validate(merge(example_data(), {"nodes": nodes(2)}))
    with pytest.raises(InvalidEnvironment, match="at least 3 controller nodes"):
        G8Chart(Testing.app(), "x", environment=environment)
