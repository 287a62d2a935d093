"""OsisDaemon: one per controller node, internal & kubernetes exposure, waits for a mongo primary."""
from ovc_constructs import OsisDaemon, ReplicatedMongo

from .conftest import container_named, find, pod_spec, synth_construct
from .test_mongo import site


def test_snapshot_standalone(yaml_snapshot):
    def build(chart):
        OsisDaemon(chart, "osis", mongo=ReplicatedMongo(chart, "mongo", site=site(3)))

    assert [d for d in synth_construct(build) if d["metadata"]["name"].startswith("osis")] == yaml_snapshot


def test_runs_on_every_controller_node(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "osis")
    assert daemon_set["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    terms = pod_spec(daemon_set)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["ctrl-01", "ctrl-02", "ctrl-03"]


def test_container_command_port_probes_and_config_dir(example_manifests):
    osis = container_named(find(example_manifests, "DaemonSet", "osis"), "osis")
    assert osis["image"] == "jumpscale/osis:7.2"
    assert osis["command"] == ["jspython", "osisServerStart.py", "main"]
    assert osis["workingDir"] == "/opt/jumpscale7/apps/osis"
    assert osis["ports"] == [{"containerPort": 5544, "name": "osis", "protocol": "TCP"}]
    for probe in ("livenessProbe", "readinessProbe"):
        assert osis[probe]["httpGet"] == {"path": "/ping", "port": 5544}
    assert {"mountPath": "/opt/jumpscale7/cfg", "name": "jumpscale-cfg"} in osis["volumeMounts"]


def test_waits_for_a_mongo_primary_before_starting(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "osis")
    assert [c["name"] for c in pod_spec(daemon_set)["initContainers"]] == ["seed-jumpscale-cfg", "wait-for-mongo"]
    wait = container_named(daemon_set, "wait-for-mongo")
    assert "--host rs0/mongo-0.mongo.openvcloud.svc.cluster.local:27017," in wait["command"][-1]
    assert "db.isMaster().ismaster" in wait["command"][-1]


def test_reaches_only_port_27017_of_mongo_and_comes_after_it(example_manifests):
    policy = find(example_manifests, "NetworkPolicy", "mongo-from-osis")
    assert policy["spec"]["ingress"][0]["ports"] == [{"port": 27017, "protocol": "TCP"}]
    assert policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "osis"
    order = [(d["kind"], d["metadata"]["name"]) for d in example_manifests]
    assert order.index(("Job", "mongo-rs-init")) < order.index(("DaemonSet", "osis"))


def test_exposed_as_osis_5544_and_on_the_management_ips(example_manifests):
    service = find(example_manifests, "Service", "osis")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"][0]["port"] == 5544
    internal = find(example_manifests, "Service", "osis-internal")
    assert internal["spec"]["externalIPs"] == ["10.199.0.11", "10.199.0.12", "10.199.0.13"]
    assert internal["spec"]["ports"][0]["nodePort"] == 30544
    policy = find(example_manifests, "NetworkPolicy", "osis-internal")
    assert policy["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "10.199.0.0/22"}}]
