"""The agent stack: agent controller + jsagent + redis in one pod, and the general jsagent; both configured by the JumpScale step."""
from .conftest import assert_single_instance_not_pinned, container_named, environment, find, find_all, pod_spec, synth

CONFIGURE_SYSTEM = ["jspython", "/var/run/scripts/system/configure-system.py"]
SYSTEM_CONFIG_MOUNT = {"mountPath": "/opt/cfg/system/system-config.yaml", "name": "system-config", "readOnly": True,
                       "subPath": "system-config.yaml"}
MANAGEMENT_AND_BACKPLANE_IPS = ["10.199.0.11", "10.199.0.12", "10.199.0.13", "10.199.8.11", "10.199.8.12", "10.199.8.13"]


def test_snapshot(example_manifests, yaml_snapshot):
    names = ("agentcontroller", "jsagent")
    assert [d for d in example_manifests if d["metadata"]["name"].startswith(names)] == yaml_snapshot


def test_agentcontroller_pod_shares_redis_on_localhost(example_manifests):
    deployment = find(example_manifests, "Deployment", "agentcontroller")
    spec = pod_spec(deployment)
    assert [c["name"] for c in spec["containers"]] == ["agentcontroller", "jsagent", "redis"]
    assert [c["image"] for c in spec["containers"]] == ["openvcloud/cb_master:2.4.5.3", "openvcloud/cb_master:2.4.5.3", "redis:3.2"]
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


def test_pods_have_the_installers_hostnames(example_manifests):
    hostnames = {name: pod_spec(find(example_manifests, "Deployment", name)).get("hostname") for name in ("agentcontroller", "jsagent")}
    assert hostnames == {"agentcontroller": "agentcontroller", "jsagent": "controller-jsagent"}


def test_exposure_internal_and_kubernetes(example_manifests):
    assert find(example_manifests, "Service", "agentcontroller")["spec"]["ports"][0]["port"] == 4444
    internal = find(example_manifests, "Service", "agentcontroller-internal")
    assert internal["spec"]["externalIPs"] == MANAGEMENT_AND_BACKPLANE_IPS, "the nodes dial the controllers' backplane IPs"
    assert internal["spec"]["type"] == "ClusterIP" and "nodePort" not in internal["spec"]["ports"][0], "no NodePort on the public IPs"
    assert "externalTrafficPolicy" not in internal["spec"], "every controller answers, wherever the one pod runs"
    assert find(example_manifests, "NetworkPolicy", "agentcontroller-internal")["spec"]["ingress"][0]["from"] == [
        {"ipBlock": {"cidr": "10.199.0.0/22"}}, {"ipBlock": {"cidr": "10.199.8.0/24"}}, {"ipBlock": {"cidr": "10.244.0.0/16"}}]
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"] == "jsagent"]


def test_both_depend_on_osis_and_the_jsagent_on_the_controller(example_manifests):
    # The waits come first: the configuration step of the master role talks to osis.
    assert [c["name"] for c in pod_spec(find(example_manifests, "Deployment", "agentcontroller"))["initContainers"]] == [
        "wait-for-osis", "merge-system-config", "system-init"]
    assert [c["name"] for c in pod_spec(find(example_manifests, "Deployment", "jsagent"))["initContainers"]] == [
        "wait-for-osis", "wait-for-agentcontroller", "merge-system-config", "system-init"]
    for name in ("osis-from-agentcontroller", "osis-from-jsagent", "agentcontroller-from-jsagent", "agentcontroller-from-portal",
                 "agentcontroller-from-uptime-monitor"):
        assert find(example_manifests, "NetworkPolicy", name)


def test_agentcontroller_is_configured_as_master_with_its_own_guid(example_manifests):
    deployment = find(example_manifests, "Deployment", "agentcontroller")
    init = container_named(deployment, "system-init")
    assert init["command"] == [*CONFIGURE_SYSTEM, "--roles", "master,node", "--machineguid", "000000000002", "--controller-addr", "127.0.0.1"]
    assert init["image"] == "openvcloud/cb_master:2.4.5.3"
    assert init["volumeMounts"] == [{"mountPath": "/opt/cfgdir", "name": "jumpscale-cfg"}, SYSTEM_CONFIG_MOUNT]
    assert container_named(deployment, "merge-system-config")["command"][-1] == "alerta,password"
    for name in ("agentcontroller", "jsagent"):
        assert {"mountPath": "/opt/jumpscale7/cfg", "name": "jumpscale-cfg"} in container_named(deployment, name)["volumeMounts"]


def test_general_jsagent_is_the_controller_agent_with_the_ssh_key(example_manifests):
    deployment = find(example_manifests, "Deployment", "jsagent")
    assert [c["name"] for c in pod_spec(deployment)["containers"]] == ["jsagent", "redis"]
    init = container_named(deployment, "system-init")
    assert init["command"] == [*CONFIGURE_SYSTEM, "--roles", "controller,node", "--machineguid", "000000000001"]
    assert init["volumeMounts"] == [{"mountPath": "/opt/cfgdir", "name": "jumpscale-cfg"}, SYSTEM_CONFIG_MOUNT]
    assert container_named(deployment, "merge-system-config")["command"][-1] == "alerta,password"
    agent = container_named(deployment, "jsagent")
    assert {"mountPath": "/root/.ssh", "name": "root-ssh"} in agent["volumeMounts"]
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["root-ssh"]["hostPath"] == {"path": "/var/ovc/.ssh", "type": "Directory"}
    synced = {v["hostPath"]["path"] for v in pod_spec(find(example_manifests, "DaemonSet", "billing-sync"))["volumes"] if "hostPath" in v}
    assert "/var/ovc/.ssh" in synced, "the key must be on whichever node the jsagent moves to"


def test_agents_have_distinct_machine_guids(example_manifests):
    guids = []
    for name in ("agentcontroller", "jsagent"):
        command = container_named(find(example_manifests, "Deployment", name), "system-init")["command"]
        guids.append(command[command.index("--machineguid") + 1])
    assert len(set(guids)) == 2


def test_general_jsagent_can_be_turned_off():
    out = synth(environment(agents={"general_jsagent": False}))
    assert not [d for d in out if d["metadata"]["name"] == "jsagent"]
    assert not [p for p in find_all(out, "NetworkPolicy") if p["metadata"]["name"].endswith("-from-jsagent")]
