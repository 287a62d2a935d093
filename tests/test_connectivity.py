"""The NetworkPolicies admit every row of the connectivity matrix (contract §5, §6) and nothing else.

A small evaluator of Kubernetes NetworkPolicy ingress semantics is run over the synthesized objects:
a connection from a pod (by its labels) or an address to a pod, on a port and protocol, is admitted
when some policy selecting the destination pod has a rule whose peers match the source and whose
ports match the port (default-deny selects every pod, so nothing is admitted by accident).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Optional, Union

import pytest

from .conftest import find_all, pod_spec

POD_OWNERS = ("Deployment", "DaemonSet", "StatefulSet")


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: dict
    ports: dict  # container port name -> (number, protocol)


def pods(manifests: list[dict]) -> dict[str, Pod]:
    found = {}
    for doc in manifests:
        if doc["kind"] not in POD_OWNERS:
            continue
        template = doc["spec"]["template"]
        ports = {p["name"]: (p["containerPort"], p.get("protocol", "TCP"))
                 for c in pod_spec(doc)["containers"] for p in c.get("ports", []) if "name" in p}
        found[doc["metadata"]["name"]] = Pod(doc["metadata"]["name"], doc["metadata"]["namespace"], template["metadata"]["labels"], ports)
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
        if isinstance(source, Pod):
            return False
        address = ipaddress.IPv4Address(source)
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


# Contract §5 (in the cluster) and §6 (clients outside it). Addresses are placeholders, replaced per example G8.
CPU_NODE_BACKPLANE = "backplane.21"
CPU_NODE_MANAGEMENT = "management.21"
OPERATOR = "management.200"
INTERNET = "8.8.8.8"
ADDRESSES = {"be-g8-3": {"backplane": "10.199.8", "management": "10.199.0"},
             "be-conv-1": {"backplane": "10.201.8", "management": "10.201.0"}}
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
    (CPU_NODE_BACKPLANE, "osis", 5544, "TCP"),
    (CPU_NODE_BACKPLANE, "agentcontroller", 4444, "TCP"),
    (CPU_NODE_BACKPLANE, "uptime-monitor", 9500, "UDP"),
    (CPU_NODE_MANAGEMENT, "osis", 5544, "TCP"),
    (OPERATOR, "management", 2205, "TCP"),
    (INTERNET, "portal", 8443, "TCP"),  # nginx in the portal pod, published as 443
    (INTERNET, "portal", 8080, "TCP"),  # published as 80, redirects to 443
    (INTERNET, "zero-access", 22, "TCP"),  # support staff: 0-access SSH, published as 7022 on the public IPs
]
CLOSED = [
    ("stats-collector", "mongo", 27017, "TCP"),
    ("portal", "influxdb", 8086, "TCP"),
    ("grafana", "osis", 5544, "TCP"),
    ("portal", "mongo", 27017, "TCP"),
    (INTERNET, "osis", 5544, "TCP"),
    (INTERNET, "management", 2205, "TCP"),
    (INTERNET, "uptime-monitor", 9500, "UDP"),
    (INTERNET, "zero-access", 5000, "TCP"),  # only through nginx
    ("management", "zero-access", 5000, "TCP"),
    (CPU_NODE_BACKPLANE, "mongo", 27017, "TCP"),
    (CPU_NODE_BACKPLANE, "portal", 82, "TCP"),
    (CPU_NODE_BACKPLANE, "uptime-monitor", 9500, "TCP"),
]


def edge(manifests: list[dict], row: tuple, environment: str = "be-g8-3") -> bool:
    source, destination, port, protocol = row
    network, dot, host = source.partition(".")
    if dot and network in ADDRESSES[environment]:
        source = f"{ADDRESSES[environment][network]}.{host}"
    found = pods(manifests)
    return admitted(manifests, found[source] if source in found else source, found[destination], port, protocol)


@pytest.mark.parametrize("environment", ["be-g8-3", "be-conv-1"])
def test_every_row_of_the_connectivity_matrix_is_admitted(environment, all_outputs):
    refused = [row for row in MATRIX if not edge(all_outputs[environment], row, environment)]
    assert refused == []


@pytest.mark.parametrize("environment", ["be-g8-3", "be-conv-1"])
def test_edges_outside_the_matrix_stay_closed(environment, all_outputs):
    opened = [row for row in CLOSED if edge(all_outputs[environment], row, environment)]
    assert opened == []


def test_the_evaluator_refuses_when_a_policy_is_missing(all_outputs):
    """The evaluator itself can fail: without osis's policy for the agent controller, that row is refused."""
    manifests = [d for d in all_outputs["be-g8-3"] if d["metadata"]["name"] != "osis-from-agentcontroller"]
    assert not edge(manifests, ("agentcontroller", "osis", 5544, "TCP"))
    assert edge(manifests, ("portal", "osis", 5544, "TCP"))


def test_internal_services_are_published_on_the_backplane_ips_the_nodes_dial(all_outputs):
    for name in ("osis", "agentcontroller", "uptime-monitor", "management"):
        service = next(s for s in find_all(all_outputs["be-g8-3"], "Service") if s["metadata"]["name"] == f"{name}-internal")
        assert {"10.199.8.11", "10.199.8.12", "10.199.8.13"} <= set(service["spec"]["externalIPs"]), name
        assert {"10.199.0.11", "10.199.0.12", "10.199.0.13"} <= set(service["spec"]["externalIPs"]), name
    uptime = next(s for s in find_all(all_outputs["be-g8-3"], "Service") if s["metadata"]["name"] == "uptime-monitor-internal")
    assert [(p["port"], p["protocol"]) for p in uptime["spec"]["ports"]] == [(9500, "UDP")]
