"""The agent stack: agent controller + jsagent + redis in one pod, and the general jsagent."""
from .conftest import assert_single_instance_not_pinned, container_named, environment, find, find_all, pod_spec, synth


def test_snapshot(example_manifests, yaml_snapshot):
    names = ("agentcontroller", "jsagent")
    assert [d for d in example_manifests if d["metadata"]["name"].startswith(names)] == yaml_snapshot


def test_agentcontroller_pod_shares_redis_on_localhost(example_manifests):
    deployment = find(example_manifests, "Deployment", "agentcontroller")
    spec = pod_spec(deployment)
    assert [c["name"] for c in spec["containers"]] == ["agentcontroller", "jsagent", "redis"]
    assert container_named(deployment, "agentcontroller")["command"] == ["jspython", "controller.py", "-i", "main"]
    assert container_named(deployment, "jsagent")["command"] == ["jspython", "jsagent.py", "-i", "main"]
    assert container_named(deployment, "jsagent")["workingDir"] == "/opt/jumpscale7/apps/jsagent"
    assert "--bind" in container_named(deployment, "redis")["args"]
    billing = [m for m in container_named(deployment, "jsagent")["volumeMounts"] if m["name"] == "billing"]
    assert billing == [{"mountPath": "/opt/jumpscale7/var/resourcetracking", "name": "billing"}]


def test_probes(example_manifests):
    deployment = find(example_manifests, "Deployment", "agentcontroller")
    assert container_named(deployment, "agentcontroller")["readinessProbe"]["httpGet"] == {"path": "/ping", "port": 4444}
    assert container_named(deployment, "jsagent")["livenessProbe"]["httpGet"] == {"path": "/ping", "port": 4446}
    assert container_named(deployment, "redis")["readinessProbe"]["exec"]["command"] == ["redis-cli", "-p", "9999", "ping"]


def test_single_instances_are_not_pinned_to_one_node(example_manifests):
    for name in ("agentcontroller", "jsagent"):
        assert_single_instance_not_pinned(find(example_manifests, "Deployment", name))


def test_exposure_internal_and_kubernetes(example_manifests):
    assert find(example_manifests, "Service", "agentcontroller")["spec"]["ports"][0]["port"] == 4444
    internal = find(example_manifests, "Service", "agentcontroller-internal")
    assert internal["spec"]["externalIPs"] == ["10.199.0.11", "10.199.0.12", "10.199.0.13"]
    assert internal["spec"]["ports"][0]["nodePort"] == 30444
    assert find(example_manifests, "NetworkPolicy", "agentcontroller-internal")["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "10.199.0.0/22"}}]
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"] == "jsagent"]


def test_both_depend_on_osis_and_the_jsagent_on_the_controller(example_manifests):
    assert [c["name"] for c in pod_spec(find(example_manifests, "Deployment", "agentcontroller"))["initContainers"]] == ["seed-jumpscale-cfg", "wait-for-osis"]
    assert [c["name"] for c in pod_spec(find(example_manifests, "Deployment", "jsagent"))["initContainers"]] == [
        "seed-jumpscale-cfg", "wait-for-osis", "wait-for-agentcontroller"]
    for name in ("osis-from-agentcontroller", "osis-from-jsagent", "agentcontroller-from-jsagent", "agentcontroller-from-portal"):
        assert find(example_manifests, "NetworkPolicy", name)


def test_general_jsagent_can_be_turned_off():
    out = synth(environment(agents={"general_jsagent": False}))
    assert not [d for d in out if d["metadata"]["name"] == "jsagent"]
