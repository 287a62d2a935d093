"""The shared machinery: exposures and one-declaration dependencies, on a small test component."""
import pytest

from ovc_constructs import Component, ControllerNode, Exposure, ServicePort, Site
from ovc_constructs.environment import resources
from ovc_constructs.pods import container, http_probe, security_context

from .conftest import container_named, find, find_all, pod_spec, site, synth_construct

SITE = Site(
    nodes=tuple(ControllerNode(f"ctrl-0{i}", f"10.199.0.1{i}", f"185.69.164.1{i}") for i in (1, 2, 3)),
    management_cidr="10.199.0.0/22",
)
"""A G8 without a backplane network: internal services are published on the management IPs only."""
WITH_BACKPLANE = site(3)
"""The example's controllers, which the physical nodes reach on the backplane network (10.199.8.0/24)."""


class Echo(Component):
    health_path = "/ping"
    role = "test"

    def __init__(self, scope, id, *, name, exposure=Exposure.KUBERNETES, port=8080, node_port=None, init=(), on=SITE, per_node=False):
        super().__init__(scope, id, site=on, name=name, image="echo:1.0")
        main = container(name, "echo:1.0", resources=resources("1m", "1Mi", "1", "1Mi"), security=security_context(),
                         ports={"http": port}, liveness=http_probe("/ping", port), readiness=http_probe("/ping", port))
        template = self.pod_template(containers=[main], init_containers=list(init))
        if per_node:
            self.daemon_set(template)
        else:
            self.deployment(template)
        self.expose(exposure, [ServicePort("http", port, node_port=node_port)])


def test_kubernetes_exposure_is_a_cluster_ip_service_under_the_contract_name():
    out = synth_construct(lambda c: Echo(c, "a", name="alpha"))
    service = find(out, "Service", "alpha")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": 8080}]
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "alpha", "app.kubernetes.io/instance": "standalone"}
    assert find_all(out, "NetworkPolicy") == [], "a ClusterIP exposure admits nobody by itself"


def test_internal_exposure_of_a_pod_per_node_is_local_and_admitted_from_the_management_network_only():
    out = synth_construct(lambda c: Echo(c, "a", name="alpha", exposure=Exposure.INTERNAL | Exposure.KUBERNETES, node_port=30999,
                                         per_node=True))
    internal = find(out, "Service", "alpha-internal")
    assert internal["spec"]["type"] == "NodePort"
    assert internal["spec"]["externalIPs"] == ["10.199.0.11", "10.199.0.12", "10.199.0.13"]
    assert internal["spec"]["externalTrafficPolicy"] == "Local", "each controller's own pod answers, seeing the client's address"
    assert internal["spec"]["ports"][0]["nodePort"] == 30999
    policy = find(out, "NetworkPolicy", "alpha-internal")
    assert policy["spec"]["ingress"] == [{"from": [{"ipBlock": {"cidr": "10.199.0.0/22"}}], "ports": [{"port": 8080, "protocol": "TCP"}]}]
    assert find(out, "Service", "alpha")["spec"]["type"] == "ClusterIP"


@pytest.mark.parametrize("kind, policy", [("DaemonSet", "Local"), ("Deployment", "Cluster")])
def test_a_workload_registered_without_its_kind_is_exposed_by_the_kind_read_back(kind, policy):
    """A consumer's own workload object (`register_workload` without `kind`): its kind is read from jsii."""
    from ovc_constructs.manifest import api_object

    class Own(Component):
        role = "test"

        def __init__(self, scope, id):
            super().__init__(scope, id, site=SITE, name="own", image="echo:1.0")
            main = container("own", "echo:1.0", resources=resources("1m", "1Mi", "1", "1Mi"), security=security_context(),
                             ports={"http": 8080}, liveness=http_probe("/ping", 8080), readiness=http_probe("/ping", 8080))
            template = self.pod_template(containers=[main])
            spec = {"selector": {"matchLabels": self.selector}, "template": template}
            self.register_workload(api_object(self, "workload", api_version="apps/v1", kind=kind, **self.metadata(), body={"spec": spec}),
                                   template)
            self.expose_internal([ServicePort("http", 8080, node_port=30999)])

    out = synth_construct(lambda c: Own(c, "own"))
    assert find(out, "Service", "own-internal")["spec"].get("externalTrafficPolicy", "Cluster") == policy


def test_internal_exposure_of_a_single_instance_answers_on_every_controller_and_admits_the_pod_network():
    on = Site(nodes=SITE.nodes, management_cidr=SITE.management_cidr, pod_cidr="10.32.0.0/12")
    out = synth_construct(lambda c: Echo(c, "a", name="alpha", exposure=Exposure.INTERNAL, node_port=30999, on=on))
    service = find(out, "Service", "alpha-internal")["spec"]
    assert (service["type"], service["externalIPs"]) == ("ClusterIP", ["10.199.0.11", "10.199.0.12", "10.199.0.13"]), "a ClusterIP with the controllers' addresses: no NodePort opens it on the public IPs"
    assert "nodePort" not in service["ports"][0]
    # Forwarded clients reach the pod with the forwarding node's address on the pod network.
    assert find(out, "NetworkPolicy", "alpha-internal")["spec"]["ingress"][0]["from"] == [
        {"ipBlock": {"cidr": "10.199.0.0/22"}}, {"ipBlock": {"cidr": "10.32.0.0/12"}}]
    assert SITE.pod_cidr == "10.244.0.0/16", "flannel's, the historical installer's CNI"


def test_internal_exposure_is_also_published_on_the_backplane_ips_and_admitted_from_the_backplane():
    out = synth_construct(lambda c: Echo(c, "a", name="alpha", exposure=Exposure.INTERNAL, node_port=30999, on=WITH_BACKPLANE,
                                         per_node=True))
    assert find(out, "Service", "alpha-internal")["spec"]["externalIPs"] == [
        "10.199.0.11", "10.199.0.12", "10.199.0.13", "10.199.8.11", "10.199.8.12", "10.199.8.13"]
    assert find(out, "NetworkPolicy", "alpha-internal")["spec"]["ingress"] == [
        {"from": [{"ipBlock": {"cidr": "10.199.0.0/22"}}, {"ipBlock": {"cidr": "10.199.8.0/24"}}],
         "ports": [{"port": 8080, "protocol": "TCP"}]}]


def test_public_exposure_uses_the_public_ips():
    out = synth_construct(lambda c: Echo(c, "a", name="alpha", exposure=Exposure.PUBLIC, node_port=30080))
    assert find(out, "Service", "alpha-public")["spec"]["externalIPs"] == ["185.69.164.11", "185.69.164.12", "185.69.164.13"]
    assert find(out, "NetworkPolicy", "alpha-public")["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    assert [s["metadata"]["name"] for s in find_all(out, "Service")] == ["alpha-public"]


def test_node_port_exposure_without_a_fixed_port_is_an_error():
    with pytest.raises(ValueError, match=r"alpha: internal exposure needs a fixed node_port for port\(s\) \['http'\]"):
        synth_construct(lambda c: Echo(c, "a", name="alpha", exposure=Exposure.INTERNAL, per_node=True))
    with pytest.raises(ValueError, match=r"alpha: public exposure needs a fixed node_port for port\(s\) \['http'\]"):
        synth_construct(lambda c: Echo(c, "a", name="alpha", exposure=Exposure.PUBLIC))


@pytest.mark.parametrize("existing_init", [0, 1])
def test_one_dependency_declaration_gives_wait_policy_and_order(existing_init):
    seed = container("seed", "echo:1.0", resources=resources("1m", "1Mi", "1", "1Mi"), security=security_context())

    def build(chart):
        user = Echo(chart, "user", name="user", init=[seed] * existing_init)
        backend = Echo(chart, "backend", name="backend", port=9000)
        user.depends_on(backend)
        user.depends_on(backend)  # declaring twice changes nothing

    out = synth_construct(build)
    deployment = find(out, "Deployment", "user")
    names = [c["name"] for c in pod_spec(deployment)["initContainers"]]
    # Waits run first: the pod's own init steps (its configuration) may need the dependency already.
    assert names == ["wait-for-backend"] + ["seed"] * existing_init
    wait = container_named(deployment, "wait-for-backend")
    assert wait["command"][-1] == "until timeout 5 wget -q -O /dev/null http://backend:9000/ping; do echo waiting for backend:9000; sleep 3; done"
    assert wait["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}
    assert wait["securityContext"]["runAsNonRoot"] is True

    policy = find(out, "NetworkPolicy", "backend-from-user")
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "backend"
    assert policy["spec"]["ingress"] == [
        {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "user", "app.kubernetes.io/instance": "standalone"}}}],
         "ports": [{"port": 9000, "protocol": "TCP"}]}
    ]
    order = [(d["kind"], d["metadata"]["name"]) for d in out]
    assert order.index(("Deployment", "backend")) < order.index(("Deployment", "user"))
    assert order.index(("Service", "backend")) < order.index(("Deployment", "user"))


def test_waits_run_before_the_pods_own_init_steps_in_declaration_order():
    seed = container("seed", "echo:1.0", resources=resources("1m", "1Mi", "1", "1Mi"), security=security_context())

    def build(chart):
        user = Echo(chart, "user", name="user", init=[seed])
        for name in ("first", "second"):
            user.depends_on(Echo(chart, name, name=name, port=9000))

    spec = pod_spec(find(synth_construct(build), "Deployment", "user"))
    assert [c["name"] for c in spec["initContainers"]] == ["wait-for-first", "wait-for-second", "seed"]


def test_connects_to_admits_traffic_without_wait_or_order():
    def build(chart):
        user = Echo(chart, "user", name="user")
        backend = Echo(chart, "backend", name="backend", port=9000)
        user.connects_to(backend)

    out = synth_construct(build)
    assert "initContainers" not in pod_spec(find(out, "Deployment", "user"))
    assert find(out, "NetworkPolicy", "backend-from-user")


def test_every_pod_is_hardened_by_default():
    spec = pod_spec(find(synth_construct(lambda c: Echo(c, "a", name="alpha")), "Deployment", "alpha"))
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == "alpha"
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = spec["containers"][0]["securityContext"]
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["ctrl-01", "ctrl-02", "ctrl-03"]


def test_tag_only_images_record_why_the_digest_checks_are_skipped():
    out = synth_construct(lambda c: Echo(c, "a", name="alpha"))
    annotations = find(out, "Deployment", "alpha")["metadata"]["annotations"]
    assert set(v.split("=")[0] for v in annotations.values()) == {"CKV_K8S_43", "CKV_K8S_15"}
