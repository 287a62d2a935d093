"""The constructs as another project uses them: physical names, clashes, argument checks, cdk8s-plus peers."""
import cdk8s
import cdk8s_plus_27 as kplus
import pytest

from ovc_constructs import ControllerNode, Grafana, InfluxDb, OsisDaemon, ReplicatedMongo, Site
from ovc_constructs.environment import MongoSettings

from .conftest import controller_nodes, find, find_all, site, system_config
from .validators import schema_errors


def chart(namespace="orders") -> cdk8s.Chart:
    return cdk8s.Chart(cdk8s.Testing.app(), "orders", namespace=namespace, disable_resource_name_hashes=True)


def keys(documents):
    return [(d["apiVersion"], d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]) for d in documents]


def test_two_replica_sets_with_their_own_names_share_no_object_name_nor_data():
    scope = chart()
    ReplicatedMongo(scope, "orders-db", site=site(3), name="orders-mongo")
    ReplicatedMongo(scope, "audit-db", site=site(3), name="audit-mongo",
                    settings=MongoSettings(host_path="/var/ovc/audit-mongo", backup={"host_path": "/var/ovc/audit-backups"}))
    documents = scope.to_json()
    assert len(set(keys(documents))) == len(documents), "every object has its own kind+name"
    orders = find(documents, "StatefulSet", "orders-mongo")
    members = find(documents, "ConfigMap", "orders-mongo-rs-init")["data"]["members.json"]
    assert "orders-mongo-0.orders-mongo.orders.svc.cluster.local:27017" in members
    assert orders["spec"]["serviceName"] == "orders-mongo"
    assert {v["spec"]["local"]["path"] for v in find_all(documents, "PersistentVolume")} == {"/var/ovc/mongodb", "/var/ovc/audit-mongo"}
    assert schema_errors(documents) == []


def test_a_second_component_under_a_taken_name_is_refused_naming_both():
    scope = chart()
    ReplicatedMongo(scope, "db", site=site(3))
    with pytest.raises(ValueError) as refused:
        ReplicatedMongo(scope, "db2", site=site(3))
    message = str(refused.value)
    assert "ReplicatedMongo 'db2'" in message and "ReplicatedMongo 'db'" in message and "'mongo'" in message and "name=" in message
    with pytest.raises(ValueError, match="InfluxDb 'tsdb': name 'mongo' is already used by ReplicatedMongo 'db'"):
        InfluxDb(scope, "tsdb", site=site(3), name="mongo")
    with pytest.raises(ValueError, match="ReplicatedMongo 'db3': data directory '/var/ovc/mongodb' is already used by ReplicatedMongo 'db'.*own host path"):
        ReplicatedMongo(scope, "db3", site=site(3), name="mongo-b")


def test_two_osis_daemons_need_two_names_not_mongo_internals():
    scope = chart()
    mongo = ReplicatedMongo(scope, "db", site=site(3))
    config = system_config(scope)
    OsisDaemon(scope, "osis", mongo=mongo, system_config=config)
    with pytest.raises(ValueError, match="OsisDaemon 'osis2': name 'osis' is already used by OsisDaemon 'osis'"):
        OsisDaemon(scope, "osis2", mongo=mongo, system_config=config)
    OsisDaemon(scope, "osis3", mongo=mongo, system_config=config, name="osis-b")


def test_a_chart_without_namespace_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"ReplicatedMongo 'db': chart 'orders' has no namespace; give it one \(Chart\(app, id, namespace=\.\.\.\)\)"):
        ReplicatedMongo(chart(namespace=None), "db", site=site(3))


@pytest.mark.parametrize("name, problem", [
    ("Mongo", "is not a DNS-1123 label"),
    ("mongo_1", "is not a DNS-1123 label"),
    ("m" * 41, "longer than 40 characters"),
])
def test_a_name_that_cannot_be_a_kubernetes_name_is_refused(name, problem):
    with pytest.raises(ValueError, match=rf"ReplicatedMongo\(name=\.\.\.\): .*{problem}"):
        ReplicatedMongo(chart(), "db", site=site(3), name=name)


def test_wrong_argument_types_fail_at_construction_naming_the_argument():
    scope = chart()
    the_site = site(3)
    with pytest.raises(TypeError, match=r"^OsisDaemon\(mongo=\.\.\.\): expected ReplicatedMongo, got Site"):
        OsisDaemon(scope, "osis", mongo=the_site, system_config=system_config(scope))
    with pytest.raises(TypeError, match=r"^ReplicatedMongo\(settings=\.\.\.\): expected MongoSettings, got dict"):
        ReplicatedMongo(scope, "db", site=the_site, settings={"image": "mongo:3.4"})
    with pytest.raises(TypeError, match=r"^Grafana\(influxdb=\.\.\.\): expected InfluxDb, got ReplicatedMongo"):
        Grafana(scope, "grafana", influxdb=ReplicatedMongo(scope, "db", site=the_site), domain="g8.example.com")
    with pytest.raises(TypeError, match=r"^InfluxDb: got an unexpected keyword argument 'sight'"):
        InfluxDb(scope, "tsdb", site=the_site, sight=the_site)


@pytest.mark.parametrize("build, message", [
    (lambda: ControllerNode("ctrl-01", "10.199.0.300", "185.69.164.11"), "ControllerNode.management_ip: '10.199.0.300' is not a valid IPv4 address"),
    (lambda: ControllerNode("Ctrl_01", "10.199.0.11", "185.69.164.11"), "ControllerNode.name: 'Ctrl_01' is not a DNS-1123 subdomain"),
    (lambda: ControllerNode("ctrl-01", "10.199.0.11", "127.0.0.1"), "ControllerNode.public_ip: '127.0.0.1' is an unspecified, loopback"),
    (lambda: Site(nodes=controller_nodes(3), management_cidr="0.0.0.0/0"), "Site.management_cidr: "),
    (lambda: Site(nodes=controller_nodes(3), management_cidr="10.199.0.0/22", helper_image="busybox"), "Site.helper_image: "),
    (lambda: Site(nodes=controller_nodes(3) + controller_nodes(1), management_cidr="10.199.0.0/22"), "Site.nodes: node names must be unique"),
])
def test_site_and_controller_nodes_are_checked_like_the_environment_file(build, message):
    with pytest.raises(ValueError) as refused:
        build()
    assert str(refused.value).startswith(message)


def test_the_same_validators_as_the_environment_file():
    from ovc_constructs import parse_environment
    from ovc_constructs.environment import InvalidEnvironment

    from .conftest import example_data, merge

    data = example_data()
    data["nodes"][0]["name"] = "Ctrl_01"
    with pytest.raises(InvalidEnvironment) as file_refusal:
        parse_environment(data, "bad.yaml")
    with pytest.raises(ValueError) as node_refusal:
        ControllerNode("Ctrl_01", "10.199.0.11", "185.69.164.11")
    assert "'Ctrl_01' is not a DNS-1123 subdomain" in str(file_refusal.value)
    assert "'Ctrl_01' is not a DNS-1123 subdomain" in str(node_refusal.value)
    assert merge  # the helper stays importable for other tests


def test_cdk8s_plus_workloads_and_components_connect_both_ways():
    scope = chart()
    mongo = ReplicatedMongo(scope, "db", site=site(3), name="orders-mongo")
    influx = InfluxDb(scope, "tsdb", site=site(3), name="orders-influxdb")
    api = kplus.Deployment(scope, "api", containers=[kplus.ContainerProps(image="nginx:1.25", port_number=8080)])
    api.connections.allow_to(mongo, ports=[kplus.NetworkPolicyPort.tcp(27017)])
    mongo.allow_from(kplus.Pods.select(scope, "batch", labels={"app": "batch"}))
    mongo.allow_from(kplus.NetworkPolicyIpBlock.ipv4(scope, "office", "10.1.0.0/16"))
    influx.allow_from(api)
    influx.allow_from(mongo)
    documents = scope.to_json()
    assert schema_errors(documents) == []
    policies = find_all(documents, "NetworkPolicy")
    mongo_pods = {"app.kubernetes.io/instance": "orders", "app.kubernetes.io/name": "orders-mongo"}
    api_pods = {"cdk8s.io/metadata.addr": api.metadata.get_label("cdk8s.io/metadata.addr") or api.match_labels["cdk8s.io/metadata.addr"]}

    def admitted(selecting, peer):
        return [p for p in policies if p["spec"]["podSelector"].get("matchLabels") == selecting
                and any(peer in rule["from"] for rule in p["spec"].get("ingress", []))]

    namespace = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "orders"}}}
    assert admitted(mongo_pods, {**namespace, "podSelector": {"matchLabels": api_pods}}), "allow_to(mongo) admits the Deployment"
    egress = [p for p in policies if p["spec"]["podSelector"].get("matchLabels") == api_pods and "Egress" in p["spec"]["policyTypes"]]
    assert egress and egress[0]["spec"]["egress"][0]["to"] == [{**namespace, "podSelector": {"matchLabels": mongo_pods}}]
    assert admitted(mongo_pods, {"podSelector": {"matchLabels": {"app": "batch"}}})
    assert admitted(mongo_pods, {"ipBlock": {"cidr": "10.1.0.0/16"}})
    influx_pods = {"app.kubernetes.io/instance": "orders", "app.kubernetes.io/name": "orders-influxdb"}
    from_mongo = admitted(influx_pods, {**namespace, "podSelector": {"matchLabels": mongo_pods}})
    assert from_mongo and from_mongo[0]["spec"]["ingress"][0]["ports"] == [{"port": 8086, "protocol": "TCP"}]


def test_allow_from_refuses_what_is_not_a_peer():
    mongo = ReplicatedMongo(chart(), "db", site=site(3))
    with pytest.raises(TypeError, match=r"mongo.allow_from\(peer=\.\.\.\): expected a cdk8s-plus INetworkPolicyPeer, got str"):
        mongo.allow_from("10.0.0.0/8")
