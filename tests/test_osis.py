"""OsisDaemon: one per controller node, internal & kubernetes exposure, waits for a mongo primary, configured by the JumpScale step."""
from ovc_constructs import OsisDaemon, ReplicatedMongo

from .conftest import container_named, find, pod_spec, site, synth_construct, system_config

SYSTEM_CONFIG_MOUNT = {"mountPath": "/opt/cfg/system/system-config.yaml", "name": "system-config", "readOnly": True,
                       "subPath": "system-config.yaml"}


def test_snapshot_standalone(yaml_snapshot):
    def build(chart):
        OsisDaemon(chart, "osis", mongo=ReplicatedMongo(chart, "mongo", site=site(3)), system_config=system_config(chart))

    assert [d for d in synth_construct(build) if d["metadata"]["name"].startswith("osis")] == yaml_snapshot


def test_runs_on_every_controller_node(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "osis")
    assert daemon_set["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    terms = pod_spec(daemon_set)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["ctrl-01", "ctrl-02", "ctrl-03"]


def test_container_command_port_probes_and_config_dir(example_manifests):
    osis = container_named(find(example_manifests, "DaemonSet", "osis"), "osis")
    assert osis["image"] == "openvcloud/cb_master:2.4.5.3", "the release manifest's cb_master"
    assert osis["command"] == ["jspython", "osisServerStart.py", "main"]
    assert osis["workingDir"] == "/opt/jumpscale7/apps/osis"
    assert osis["ports"] == [{"containerPort": 5544, "name": "osis", "protocol": "TCP"}]
    for probe in ("livenessProbe", "readinessProbe"):
        assert osis[probe]["httpGet"] == {"path": "/ping", "port": 5544}
    assert {"mountPath": "/opt/jumpscale7/cfg", "name": "jumpscale-cfg"} in osis["volumeMounts"]
    assert "env" not in osis, "osis reads its mongo client from the configured JumpScale directory, not the environment"


def test_waits_for_a_mongo_primary_before_starting(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "osis")
    assert [c["name"] for c in pod_spec(daemon_set)["initContainers"]] == ["wait-for-mongo", "merge-system-config", "system-init"]
    wait = container_named(daemon_set, "wait-for-mongo")
    assert "--host rs0/mongo-0.mongo.openvcloud.svc.cluster.local:27017," in wait["command"][-1]
    assert "db.isMaster().ismaster" in wait["command"][-1]


def test_configured_by_the_jumpscale_step_as_a_plain_node(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "osis")
    merge = container_named(daemon_set, "merge-system-config")
    assert merge["image"] == "openvcloud/cb_master:2.4.5.3"
    assert merge["command"][-1] == "alerta,password", "only the secret values configure-system.py reads"
    assert {"mountPath": "/out", "name": "system-config"} in merge["volumeMounts"]
    init = container_named(daemon_set, "system-init")
    # Plain `node` role and no machine GUID: osis runs no agent.
    assert init["command"] == ["jspython", "/var/run/scripts/system/configure-system.py"]
    assert init["image"] == "openvcloud/cb_master:2.4.5.3"
    assert init["workingDir"] == "/var/run/scripts/system"
    assert init["volumeMounts"] == [{"mountPath": "/opt/cfgdir", "name": "jumpscale-cfg"}, SYSTEM_CONFIG_MOUNT]
    volumes = {v["name"]: v for v in pod_spec(daemon_set)["volumes"]}
    assert volumes["system-config-template"]["configMap"]["name"] == "system-config"
    assert "emptyDir" in volumes["system-config"] and "emptyDir" in volumes["jumpscale-cfg"]
    projected = volumes["g8-secrets"]["projected"]["sources"]
    assert [i["key"] for source in projected for i in source["secret"]["items"]] == ["environment-password", "alerta-api-key"]


def test_reaches_only_port_27017_of_mongo_and_comes_after_it(example_manifests):
    policy = find(example_manifests, "NetworkPolicy", "mongo-from-osis")
    assert policy["spec"]["ingress"][0]["ports"] == [{"port": 27017, "protocol": "TCP"}]
    assert policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "osis"
    order = [(d["kind"], d["metadata"]["name"]) for d in example_manifests]
    assert order.index(("Job", "mongo-rs-init")) < order.index(("DaemonSet", "osis"))
    assert order.index(("ConfigMap", "system-config")) < order.index(("DaemonSet", "osis"))


def test_exposed_as_osis_5544_and_on_the_management_and_backplane_ips(example_manifests):
    service = find(example_manifests, "Service", "osis")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"][0]["port"] == 5544
    internal = find(example_manifests, "Service", "osis-internal")
    assert internal["spec"]["externalIPs"] == ["10.199.0.11", "10.199.0.12", "10.199.0.13", "10.199.8.11", "10.199.8.12", "10.199.8.13"]
    assert internal["spec"]["ports"][0]["nodePort"] == 30544
    policy = find(example_manifests, "NetworkPolicy", "osis-internal")
    assert policy["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "10.199.0.0/22"}}, {"ipBlock": {"cidr": "10.199.8.0/24"}}]


def test_every_jumpscale_client_may_reach_osis(example_manifests):
    for client in ("agentcontroller", "jsagent", "stats-collector", "portal", "uptime-monitor"):
        policy = find(example_manifests, "NetworkPolicy", f"osis-from-{client}")
        assert policy["spec"]["ingress"][0]["ports"] == [{"port": 5544, "protocol": "TCP"}]
