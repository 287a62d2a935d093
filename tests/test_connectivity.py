"""The NetworkPolicies admit every row of the connectivity matrix (contract §5, §6) and nothing else.

A small evaluator of Kubernetes NetworkPolicy ingress semantics is run over the synthesized objects:
a connection from a pod (by its labels and its address on the pod network) or an address to a pod, on a
port and protocol, is admitted when some policy selecting the destination pod has a rule whose peers
match the source and whose ports match the port (default-deny selects every pod, so nothing is admitted
by accident). An `ipBlock` holding a pod's address admits that pod (what the usual CNIs do; the API leaves
it to them), so admitting the pod network is visible here.

A client outside the cluster reaches a pod through the Services that publish its port on controller
addresses it can route to: `externalIPs` on the G8's management and backplane networks only from inside
them, the others from anywhere, and a NodePort from anywhere (it opens on every node address, the public
ones included). With a NodePort's `externalTrafficPolicy: Local` the pod sees the client's address but only
controllers running a pod answer; otherwise (`Cluster`, or a ClusterIP's externalIPs) every controller
answers and the pod sees the forwarding node's address on the pod network.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Optional, Union

import pytest

from .conftest import find, find_all, pod_spec

POD_OWNERS = ("Deployment", "DaemonSet", "StatefulSet")


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: dict
    ports: dict  # container port name -> (number, protocol)
    address: str  # on the pod network (no source of the matrix runs on the host network)
    kind: str  # of its workload


def pods(manifests: list[dict], pod_network: str) -> dict[str, Pod]:
    found = {}
    for doc in manifests:
        if doc["kind"] not in POD_OWNERS:
            continue
        template = doc["spec"]["template"]
        ports = {p["name"]: (p["containerPort"], p.get("protocol", "TCP"))
                 for c in pod_spec(doc)["containers"] for p in c.get("ports", []) if "name" in p}
        address = str(ipaddress.IPv4Network(pod_network).network_address + 256 + len(found) + 2)  # on a node's /24 of it
        found[doc["metadata"]["name"]] = Pod(doc["metadata"]["name"], doc["metadata"]["namespace"], template["metadata"]["labels"], ports,
                                             address, doc["kind"])
    return found


def selects(selector: Optional[dict], labels: dict) -> bool:
    selector = selector or {}
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        value = labels.get(expression["key"])
        if expression["operator"] == "In" and value not in expression["values"]:
            return False
        if expression["operator"] == "NotIn" and value in expression["values"]:
            return False
        if expression["operator"] == "Exists" and expression["key"] not in labels:
            return False
        if expression["operator"] == "DoesNotExist" and expression["key"] in labels:
            return False
    return True


Source = Union[Pod, str]  # a pod, or a client address outside the cluster


def peer_matches(peer: dict, source: Source, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        address = ipaddress.IPv4Address(source.address if isinstance(source, Pod) else source)
        block = peer["ipBlock"]
        return address in ipaddress.IPv4Network(block["cidr"]) and not any(
            address in ipaddress.IPv4Network(e) for e in block.get("except", []))
    if not isinstance(source, Pod):
        return False
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": source.namespace}
        if not selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif source.namespace != policy_namespace:
        return False
    return selects(peer.get("podSelector"), source.labels)


def port_matches(rule_port: dict, destination: Pod, port: int, protocol: str) -> bool:
    if rule_port.get("protocol", "TCP") != protocol:
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str):
        number, named_protocol = destination.ports.get(wanted, (None, None))
        return number == port and named_protocol == protocol
    return wanted <= port <= rule_port.get("endPort", wanted)


def admitted(manifests: list[dict], source: Source, destination: Pod, port: int, protocol: str = "TCP") -> bool:
    selecting = [p for p in find_all(manifests, "NetworkPolicy")
                 if p["metadata"]["namespace"] == destination.namespace and "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
                 and selects(p["spec"]["podSelector"], destination.labels)]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            peers_ok = not rule.get("from") or any(peer_matches(peer, source, policy["metadata"]["namespace"]) for peer in rule["from"])
            ports_ok = not rule.get("ports") or any(port_matches(p, destination, port, protocol) for p in rule["ports"])
            if peers_ok and ports_ok:
                return True
    return False


def publishing_services(manifests: list[dict], client: str, destination: Pod, port: int, protocol: str,
                        internal_networks: list[str]) -> list[dict]:
    """The Services that publish the destination's `port` on controller addresses the client routes to: a client
    outside the G8's internal networks reaches no address inside them, but every NodePort."""

    def inside(address: str) -> bool:
        return any(ipaddress.IPv4Address(address) in ipaddress.IPv4Network(n) for n in internal_networks)

    found = []
    for service in find_all(manifests, "Service"):
        spec = service["spec"]
        routed = spec["type"] == "NodePort" or any(inside(client) or not inside(a) for a in spec.get("externalIPs", []))
        if not routed or service["metadata"]["namespace"] != destination.namespace or not spec.get("selector") \
                or not selects({"matchLabels": spec["selector"]}, destination.labels):
            continue
        targets = [(p.get("targetPort", p["port"]), p.get("protocol", "TCP")) for p in spec["ports"]]
        if (port, protocol) in targets:
            found.append(service)
    return found


# Contract §5 (in the cluster) and §6 (clients outside it). Addresses are placeholders, replaced per example G8.
CPU_NODE_BACKPLANE = "backplane.21"
CPU_NODE_MANAGEMENT = "management.21"
OPERATOR = "management.200"
OPERATOR_ON_THE_BACKPLANE = "backplane.200"
FORWARDING_NODE = "pods.1"
"""What a pod sees of a client that kube-proxy forwarded from another node: that node's address on the pod network."""
INTERNET = "8.8.8.8"
POD_NETWORK = "10.244.0.0/16"
"""The examples' `networks.pods.cidr`: the default, flannel's."""
NETWORKS = {"be-g8-3": {"management": "10.199.0.0/22", "backplane": "10.199.8.0/24", "pods": POD_NETWORK},
            "be-conv-1": {"management": "10.201.0.0/22", "backplane": "10.201.8.0/24", "pods": POD_NETWORK}}
MATRIX = [
    ("osis", "mongo", 27017, "TCP"),
    ("agentcontroller", "osis", 5544, "TCP"),
    ("jsagent", "osis", 5544, "TCP"),
    ("portal", "osis", 5544, "TCP"),
    ("stats-collector", "osis", 5544, "TCP"),
    ("uptime-monitor", "osis", 5544, "TCP"),
    ("jsagent", "agentcontroller", 4444, "TCP"),
    ("portal", "agentcontroller", 4444, "TCP"),
    ("uptime-monitor", "agentcontroller", 4444, "TCP"),
    ("portal", "grafana", 3000, "TCP"),
    ("grafana", "influxdb", 8086, "TCP"),
    ("stats-collector", "influxdb", 8086, "TCP"),
    ("management", "portal", 82, "TCP"),
    ("portal", "zero-access", 5000, "TCP"),  # nginx serves https://<fqdn>/0-access/
    ("management", "ovc-versions", 8080, "TCP"),  # the release manifest, ovc-versions:80
    ("portal", "ovc-versions", 8080, "TCP"),
    (CPU_NODE_BACKPLANE, "osis", 5544, "TCP"),
    (CPU_NODE_BACKPLANE, "agentcontroller", 4444, "TCP"),
    (CPU_NODE_BACKPLANE, "uptime-monitor", 9500, "UDP"),
    (CPU_NODE_MANAGEMENT, "osis", 5544, "TCP"),
    (CPU_NODE_MANAGEMENT, "agentcontroller", 4444, "TCP"),
    (CPU_NODE_MANAGEMENT, "uptime-monitor", 9500, "UDP"),
    (OPERATOR, "management", 2205, "TCP"),
    (OPERATOR_ON_THE_BACKPLANE, "management", 2205, "TCP"),
    (INTERNET, "portal", 8443, "TCP"),  # nginx in the portal pod, published as 443
    (INTERNET, "portal", 8080, "TCP"),  # published as 80, redirects to 443
    (INTERNET, "zero-access", 22, "TCP"),  # support staff: 0-access SSH, published as 7022 on the public IPs
]
CLOSED = [
    ("stats-collector", "mongo", 27017, "TCP"),
    ("portal", "influxdb", 8086, "TCP"),
    ("grafana", "osis", 5544, "TCP"),
    ("portal", "mongo", 27017, "TCP"),
    ("grafana", "uptime-monitor", 9500, "TCP"),  # only the published heartbeat port is open to the pod network
    ("stats-collector", "ovc-versions", 8080, "TCP"),
    (INTERNET, "osis", 5544, "TCP"),
    (INTERNET, "agentcontroller", 4444, "TCP"),  # remote jobs on every node: never through a NodePort on a public IP
    (INTERNET, "management", 2205, "TCP"),
    (INTERNET, "uptime-monitor", 9500, "UDP"),
    (INTERNET, "zero-access", 5000, "TCP"),  # only through nginx
    ("management", "zero-access", 5000, "TCP"),
    (CPU_NODE_BACKPLANE, "mongo", 27017, "TCP"),
    (CPU_NODE_BACKPLANE, "portal", 82, "TCP"),
    (CPU_NODE_BACKPLANE, "uptime-monitor", 9500, "TCP"),
]
POD_NETWORK_TRADE_OFF = [("grafana", "agentcontroller", 4444, "TCP"), ("grafana", "uptime-monitor", 9500, "UDP"),
                         ("grafana", "management", 2205, "TCP")]
"""Admitted because single-instance internal services admit the pod network (docs/agents.md): any pod reaches them."""


def resolve(address: str, environment: str) -> str:
    """`backplane.21` is host 21 of the G8's backplane network."""
    network, _, host = address.partition(".")
    if network not in NETWORKS[environment]:
        return address
    return str(ipaddress.IPv4Network(NETWORKS[environment][network]).network_address + int(host))


def ways(manifests: list[dict], row: tuple, environment: str = "be-g8-3") -> list[tuple[bool, bool]]:
    """Each way the row's traffic reaches its pod, as (every controller answers, the policies admit what the pod sees)."""
    source, destination, port, protocol = row
    networks = NETWORKS[environment]
    found = pods(manifests, networks["pods"])
    target = found[destination]
    if source in found:
        return [(True, admitted(manifests, found[source], target, port, protocol))]
    client = resolve(source, environment)
    result = []
    for service in publishing_services(manifests, client, target, port, protocol, [networks["management"], networks["backplane"]]):
        forwarded = service["spec"].get("externalTrafficPolicy", "Cluster") == "Cluster"  # a ClusterIP's externalIPs: Cluster
        everywhere = forwarded or target.kind in ("DaemonSet", "StatefulSet")
        seen = resolve(FORWARDING_NODE, environment) if forwarded else client
        result.append((everywhere, admitted(manifests, seen, target, port, protocol)))
    return result


def open_everywhere(found: list[tuple[bool, bool]]) -> bool:
    return bool(found) and all(everywhere and allowed for everywhere, allowed in found)


def refused(found: list[tuple[bool, bool]]) -> bool:
    return not any(allowed for _, allowed in found)


@pytest.mark.parametrize("environment", ["be-g8-3", "be-conv-1"])
def test_every_row_of_the_connectivity_matrix_is_admitted(environment, all_outputs):
    not_open = [row for row in MATRIX if not open_everywhere(ways(all_outputs[environment], row, environment))]
    assert not_open == []


@pytest.mark.parametrize("environment", ["be-g8-3", "be-conv-1"])
def test_edges_outside_the_matrix_stay_closed(environment, all_outputs):
    opened = [row for row in CLOSED if not refused(ways(all_outputs[environment], row, environment))]
    assert opened == []


def test_the_pod_network_reaches_the_published_ports_of_single_instance_internal_services(all_outputs):
    assert [row for row in POD_NETWORK_TRADE_OFF if not open_everywhere(ways(all_outputs["be-g8-3"], row))] == []


@pytest.mark.parametrize("environment", ["be-g8-3", "be-conv-1"])
def test_single_instance_internal_services_answer_on_every_controller(environment, all_outputs):
    """A single instance is forwarded from every controller (a ClusterIP's externalIPs, no NodePort to open it on the
    public IPs) and admits the pod network; a pod per node stays a NodePort with Local."""
    manifests = all_outputs[environment]
    kinds = {d["metadata"]["name"]: d["kind"] for d in manifests if d["kind"] in POD_OWNERS}
    found = {}
    for service in find_all(manifests, "Service"):
        name = service["metadata"]["name"]
        if name.endswith("-internal"):
            sources = [peer["ipBlock"]["cidr"] for peer in find(manifests, "NetworkPolicy", name)["spec"]["ingress"][0]["from"]]
            found[name.removesuffix("-internal")] = (kinds[name.removesuffix("-internal")], service["spec"]["type"],
                                                     service["spec"].get("externalTrafficPolicy"), POD_NETWORK in sources)
    single = ("Deployment", "ClusterIP", None, True)
    assert found == {"osis": ("DaemonSet", "NodePort", "Local", False), "agentcontroller": single, "management": single,
                     "uptime-monitor": single}


def test_the_evaluator_refuses_when_a_policy_is_missing(all_outputs):
    """The evaluator itself can fail: without osis's policy for the agent controller, that row is refused."""
    manifests = [d for d in all_outputs["be-g8-3"] if d["metadata"]["name"] != "osis-from-agentcontroller"]
    assert refused(ways(manifests, ("agentcontroller", "osis", 5544, "TCP")))
    assert open_everywhere(ways(manifests, ("portal", "osis", 5544, "TCP")))


def test_the_evaluator_sees_a_single_instance_that_answers_on_one_controller_only_or_opens_to_the_internet(all_outputs):
    """A NodePort with Local on a single instance answers on one controller only; with Cluster it answers everywhere but
    admits the Internet through the public IPs; without the pod network what is forwarded is refused."""
    row, internet = (CPU_NODE_BACKPLANE, "agentcontroller", 4444, "TCP"), (INTERNET, "agentcontroller", 4444, "TCP")

    def changed(document: dict, **spec) -> dict:
        if document["metadata"]["name"] != "agentcontroller-internal":
            return document
        if document["kind"] == "Service":
            return {**document, "spec": {**document["spec"], **spec}}
        rules = [{**rule, "from": [p for p in rule["from"] if p["ipBlock"]["cidr"] != POD_NETWORK]} for rule in document["spec"]["ingress"]]
        return {**document, "spec": {**document["spec"], "ingress": rules}}

    def services(**spec) -> list[dict]:
        return [changed(d, **spec) if d["kind"] == "Service" else d for d in all_outputs["be-g8-3"]]

    assert ways(services(type="NodePort", externalTrafficPolicy="Local"), row) == [(False, True)]
    assert not refused(ways(services(type="NodePort", externalTrafficPolicy="Cluster"), internet))
    assert refused(ways(all_outputs["be-g8-3"], internet))
    without_pod_network = [changed(d) if d["kind"] == "NetworkPolicy" else d for d in all_outputs["be-g8-3"]]
    assert ways(without_pod_network, row) == [(True, False)]


def test_internal_services_are_published_on_the_backplane_ips_the_nodes_dial(all_outputs):
    for name in ("osis", "agentcontroller", "uptime-monitor", "management"):
        service = next(s for s in find_all(all_outputs["be-g8-3"], "Service") if s["metadata"]["name"] == f"{name}-internal")
        assert {"10.199.8.11", "10.199.8.12", "10.199.8.13"} <= set(service["spec"]["externalIPs"]), name
        assert {"10.199.0.11", "10.199.0.12", "10.199.0.13"} <= set(service["spec"]["externalIPs"]), name
    uptime = next(s for s in find_all(all_outputs["be-g8-3"], "Service") if s["metadata"]["name"] == "uptime-monitor-internal")
    assert [(p["port"], p["protocol"]) for p in uptime["spec"]["ports"]] == [(9500, "UDP")]
