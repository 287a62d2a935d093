"""What every G8 component shares: identity labels, exposures and dependencies.

Exposures follow seed 000: `kubernetes` is a ClusterIP Service, `internal` a NodePort published on the
controllers' management and backplane IPs (contract §1.6) and admitted only from those networks (a single instance:
those externalIPs without a NodePort, and the pod network its clients are masqueraded to admitted too), `public` a
NodePort on their public IPs, `none` no Service at all.

A dependency is declared once (`a.depends_on(b)`, or a typed prop such as `mongo=`) and yields three
things: an init container in `a` that waits until `b` answers, a NetworkPolicy that admits `a` to `b`'s
ports (ingress is denied by default in the namespace) and apply order (`b` before `a` in the output).
"""
from __future__ import annotations

import enum
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Optional, Sequence

import jsii
from cdk8s import ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition, Chart
from constructs import Construct

from .arguments import checked
from .environment import _dns_label, resources
from .ordering import COMPONENT_LABEL
from .manifest import add_to_list, annotate, api_object, config_map
from .pods import UNPRIVILEGED_UID, Json, config_map_volume, container, host_path, image_tag, mount, security_context
from .site import Site

if TYPE_CHECKING:
    import cdk8s_plus_27 as kplus

PART_OF = "openvcloud"
MAX_NAME_LENGTH = 40
"""Leaves room for the longest suffix a component adds to its name (`-from-<peer>`, `-internal`, `-0`)."""
WAIT_RESOURCES = resources("10m", "16Mi", "100m", "64Mi")
JOB_RESOURCES = resources("50m", "64Mi", "500m", "256Mi")


class Exposure(enum.Flag):
    """How far a component is reachable (seed 000); combine with `|`."""

    NONE = 0
    KUBERNETES = enum.auto()
    INTERNAL = enum.auto()
    PUBLIC = enum.auto()

    @classmethod
    def from_names(cls, names: Sequence[str]) -> "Exposure":
        """`["internal", "kubernetes"]` (the environment file's form) as flags."""
        exposure = cls.NONE
        for name in names:
            exposure |= cls[name.upper()]
        return exposure


@dataclass(frozen=True)
class HostDirectory:
    """A directory on every controller that a component needs, with the owner and mode it needs."""

    path: str
    mode: int = 0o755
    owner: int = 0
    group: int = 0
    recursive: bool = False
    """Also give everything inside to `owner` (data another image version wrote as another user)."""

    def __str__(self) -> str:
        return f"{self.path} (mode {self.mode:o}, owner {self.owner}:{self.group})"


ROOT_SSH_DIR = "/root/.ssh"

DIRECTORY_TYPES = (None, "Directory", "DirectoryOrCreate")
"""hostPath types that name a directory (a device or file is not prepared)."""


@dataclass(frozen=True)
class ServicePort:
    """A port clients dial (`port`), the container port behind it, and a fixed NodePort if exposed."""

    name: str
    port: int
    target_port: Optional[int] = None
    node_port: Optional[int] = None
    protocol: str = "TCP"

    @property
    def container_port(self) -> int:
        return self.target_port or self.port


def _claim(chart: Chart, what: str, value: str, owner: str, remedy: str) -> None:
    """Refuse a second component claiming the same name (their objects would clash) or data directory in one chart."""
    claims: dict[tuple[str, str], str] = chart.__dict__.setdefault("_ovc_claims", {})
    if (what, value) in claims:
        raise ValueError(f"{owner}: {what} {value!r} is already used by {claims[what, value]} in chart {chart.node.id!r}; {remedy}")
    claims[what, value] = owner


def node_selector(key: str, values: Sequence[str], *also: Json) -> Json:
    """Nodes whose label `key` is one of `values` and that meet every requirement in `also` (`matchExpressions` items)."""
    admitted = {"key": key, "operator": "In", "values": list(values)}
    return {"nodeSelectorTerms": [{"matchExpressions": [admitted, *also]}]}


def chart_identity(scope: Construct) -> tuple[Chart, str, Optional[str]]:
    """The chart of `scope`, its id and its namespace, read from jsii once per chart (each read is a round trip)."""
    chart = scope if isinstance(scope, Chart) else Chart.of(scope)
    identity = chart.__dict__.get("_ovc_identity")
    if identity is None:
        identity = chart.__dict__["_ovc_identity"] = (chart.node.id, chart.namespace)
    return chart, *identity


def _declare_cdk8s_plus_peer() -> bool:
    """Make components cdk8s-plus peers and pod selectors once the program has loaded cdk8s-plus.

    Loading it costs a G8 synth about 0.2 s (its Python bindings and its jsii assembly) for objects the G8
    never uses, so the library does not; a program that hands components to cdk8s-plus has imported it
    before building them. The interfaces are read when jsii creates a component, hence before each one.
    """
    kplus = sys.modules.get("cdk8s_plus_27")
    if kplus is None:
        return False
    if "__jsii_ifaces__" not in Component.__dict__:
        jsii.implements(kplus.INetworkPolicyPeer, kplus.IPodSelector)(Component)
    return True


class Component(Construct):
    """Base of every G8 component construct: one workload, its Services and NetworkPolicies.

    Subclasses set `default_name` (the contract name the images dial) and `role`, build their workload
    with `pod_template` and one of `deployment`, `daemon_set` or `register_workload`, then call the
    `expose_*` methods. Every subclass's constructor arguments are checked against its annotations.

    A component is a cdk8s-plus network-policy peer and pod selector: `deployment.connections.allow_to(mongo)`
    admits a cdk8s-plus workload to it, and `mongo.allow_from(peer)` takes any cdk8s-plus peer. That needs
    `cdk8s_plus_27` imported before the component is built (`_declare_cdk8s_plus_peer`).
    """

    #: HTTP path that answers when the component is healthy; dependents' init containers poll it.
    health_path: Optional[str] = None
    #: The physical name when none is given: the Service name the images dial.
    default_name: ClassVar[str] = ""
    #: `app.kubernetes.io/component` of its objects.
    role: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = checked(cls.__dict__["__init__"], cls.__name__)  # type: ignore[method-assign]

    def __init__(self, scope: Construct, id: str, *, site: Site, name: Optional[str], image: str) -> None:
        kind = type(self).__name__
        chart, chart_id, namespace = chart_identity(scope)
        if not namespace:
            raise ValueError(
                f"{kind} {id!r}: chart {chart_id!r} has no namespace; give it one (Chart(app, id, namespace=...)): "
                "the G8's images dial their peers as <service>.<namespace>.svc"
            )
        name = name or self.default_name
        try:
            _dns_label(name)
        except ValueError as error:
            raise ValueError(f"{kind}(name=...): {error}") from None
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"{kind}(name=...): {name!r} is longer than {MAX_NAME_LENGTH} characters (suffixes are added to it)")
        self._cdk8s_plus_peer = _declare_cdk8s_plus_peer()
        super().__init__(scope, id)
        self._chart = chart
        self._owner = f"{kind} {id!r}"
        _claim(chart, "name", name, self._owner, "objects of one kind need distinct names: pass name=... to one of them")
        self.site = site
        self.name = name
        self.namespace = namespace
        self.selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": chart_id}
        self.labels = {
            **self.selector,
            "app.kubernetes.io/component": self.role,
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/version": image_tag(image),
            "app.kubernetes.io/managed-by": "cdk8s",
            COMPONENT_LABEL: name,
        }
        self.ports: tuple[ServicePort, ...] = ()
        self.service: Optional[ApiObject] = None
        self.workload: Optional[ApiObject] = None
        self._workload_kind: Optional[str] = None
        self.dependencies: list[Component] = []
        self.images: list[str] = []
        self._pod_spec_path = ""
        self._init_container_count = 0
        self._wait_count = 0
        self._skips: dict[int, tuple[Optional[ApiObjectMetadataDefinition], int]] = {}
        self._digest_skipped: set[int] = set()
        self._peer_policy_count = 0
        self.host_directories: dict[str, HostDirectory] = {}
        self.host_paths: set[str] = set()
        self.service_account = api_object(self, "service-account", api_version="v1", kind="ServiceAccount", **self.metadata(),
                                          body={"automountServiceAccountToken": False})

    # ------------------------------------------------------------------ cdk8s-plus peer
    def to_pod_selector_config(self) -> kplus.PodSelectorConfig:
        """This component's pods, in its namespace (cdk8s-plus `IPodSelector`)."""
        import cdk8s_plus_27 as kplus

        return kplus.PodSelectorConfig(
            label_selector=kplus.LabelSelector.of(labels=self.selector),
            namespaces=kplus.NamespaceSelectorConfig(names=[self.namespace]),
        )

    def to_pod_selector(self) -> Optional[kplus.IPodSelector]:
        return self

    def to_network_policy_peer_config(self) -> kplus.NetworkPolicyPeerConfig:
        import cdk8s_plus_27 as kplus

        return kplus.NetworkPolicyPeerConfig(pod_selector=self.to_pod_selector_config())

    def allow_from(self, peer: kplus.INetworkPolicyPeer, ports: Optional[Sequence[ServicePort]] = None) -> kplus.NetworkPolicy:
        """Admit any cdk8s-plus peer (a workload, `Pods.select(...)`, `Pods.all()`, an `IpBlock`, another
        component) to this component's pods on `ports` (default: every port it exposes)."""
        ports = tuple(ports or self.ports)
        if not ports:
            raise ValueError(f"{self.name}.allow_from: it exposes no ports yet; expose it first or pass ports=")
        if not hasattr(peer, "to_network_policy_peer_config"):
            raise TypeError(f"{self.name}.allow_from(peer=...): expected a cdk8s-plus INetworkPolicyPeer, got {type(peer).__name__}")
        if not self._cdk8s_plus_peer:
            raise TypeError(f"{self.name}.allow_from: it was built before cdk8s_plus_27 was imported, so cdk8s-plus cannot "
                            "select its pods; import cdk8s_plus_27 before building the components")
        import cdk8s_plus_27 as kplus

        self._peer_policy_count += 1
        return kplus.NetworkPolicy(
            self,
            f"allow-from-peer-{self._peer_policy_count}",
            metadata=ApiObjectMetadata(name=f"{self.name}-from-peer-{self._peer_policy_count}", labels=self.labels),
            selector=self,
            ingress=kplus.NetworkPolicyTraffic(
                rules=[
                    kplus.NetworkPolicyRule(
                        peer=peer,
                        ports=[kplus.NetworkPolicyPort.of(port=p.container_port, protocol=kplus.NetworkProtocol(p.protocol))
                               for p in ports],
                    )
                ]
            ),
        )

    # ------------------------------------------------------------------ building blocks
    def metadata(self, name: Optional[str] = None, *, annotations: Optional[dict] = None) -> dict[str, Any]:
        """The metadata of an object of this component, as keyword arguments of `manifest.api_object`."""
        return {"name": name or self.name, "labels": self.labels, "annotations": annotations}

    def config_map(self, id: str, data: dict[str, str], *, name: Optional[str] = None) -> ApiObject:
        """A ConfigMap of this component (files its pods mount, scripts its Jobs run), named `name` or after it."""
        return config_map(self, id, data=data, **self.metadata(name))

    def helper_labels(self, name: str) -> dict:
        """Labels for this component's helper pods (Jobs): its own, under another `name`."""
        return {**self.labels, "app.kubernetes.io/name": name}

    def controller_affinity(self, *also: Json) -> Json:
        """Run on any controller node of the site that meets `also` (never pinned to one)."""
        selector = node_selector(self.site.node_selector_key, self.site.node_names, *also)
        return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": selector}}

    def pod_template(
        self,
        *,
        containers: Sequence[Json],
        init_containers: Sequence[Json] = (),
        volumes: Sequence[Json] = (),
        affinity: Optional[Json] = None,
        fs_group: Optional[int] = None,
        host_network: bool = False,
        termination_grace_seconds: int = 30,
        labels: Optional[dict] = None,
        restart_policy: Optional[str] = None,
        annotations: Optional[dict] = None,
        low_ports: bool = False,
        hostname: Optional[str] = None,
    ) -> Json:
        """A pod with its own token-less ServiceAccount, RuntimeDefault seccomp and no service links.

        Service links are off because Kubernetes would inject variables such as `INFLUXDB_PORT`, which
        images like influxdb read as their own configuration. `low_ports` lets the pod's processes bind
        ports below 1024 without any capability, through the namespaced (safe) sysctl
        `net.ipv4.ip_unprivileged_port_start`. `hostname` replaces the pod name (random suffix included) as the
        hostname its processes see.
        """
        sysctls = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}] if low_ports else None
        return {
            "metadata": {"labels": labels or self.labels, "annotations": annotations},
            "spec": {
                "serviceAccountName": self.name,
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, "fsGroup": fs_group, "sysctls": sysctls},
                "imagePullSecrets": [{"name": s} for s in self.site.image_pull_secrets] or None,
                "affinity": affinity or self.controller_affinity(),
                "hostname": hostname,
                "hostNetwork": host_network or None,
                "dnsPolicy": "ClusterFirstWithHostNet" if host_network else None,
                "terminationGracePeriodSeconds": termination_grace_seconds,
                "restartPolicy": restart_policy,
                "initContainers": list(init_containers) or None,
                "containers": list(containers),
                "volumes": list(volumes) or None,
            },
        }

    def register_workload(
        self, workload: ApiObject, template: Json, pod_spec_path: str = "/spec/template/spec", *, kind: Optional[str] = None
    ) -> ApiObject:
        """Record the object whose pods get dependency waits and check suppressions; `kind` is its kind when the
        caller knows it (otherwise it is read back from jsii when needed)."""
        self.workload = workload
        self._workload_kind = kind
        self._pod_spec_path = pod_spec_path
        self._init_container_count = len(template["spec"].get("initContainers") or [])
        return self.register_pod_owner(workload, template)

    def register_pod_owner(self, owner: ApiObject, template: Json) -> ApiObject:
        """Note the images of any object that owns pods (workload, Job, CronJob) for the digest checks,
        and the host directories its pods mount (`HostDirectories` prepares them)."""
        spec = template["spec"]
        containers = list(spec["containers"]) + list(spec.get("initContainers") or [])
        self._note_images(owner, [c["image"] for c in containers])
        for volume in spec.get("volumes") or []:
            source = volume.get("hostPath")
            if source and source.get("type") in DIRECTORY_TYPES:
                self.host_paths.add(source["path"].rstrip("/") or "/")
        return owner

    def host_directory(self, name: str, directory: HostDirectory, kind: str = "DirectoryOrCreate") -> Json:
        """A hostPath volume of a directory whose owner or mode matters (an SSH key directory, data of a non-root image)."""
        self.declare_host_directory(directory)
        return host_path(name, directory.path, kind)

    def root_ssh_volume(self, path: str) -> Json:
        """Volume `root-ssh`: the G8's root SSH key pair (`paths.ssh`) for /root/.ssh, root's with mode 0700 (sshd insists)."""
        return self.host_directory("root-ssh", HostDirectory(path, 0o700), "Directory")

    def claim_data_directory(self, path: str) -> None:
        """A host directory only this component may write (a database's files): a second claim in the chart is refused."""
        _claim(self._chart, "data directory", path, self._owner, "give each instance its own host path in its settings")

    def declare_host_directory(self, directory: HostDirectory) -> None:
        """A directory this component needs on every controller, mounted or not (a local PV, a subdirectory)."""
        self.host_directories[directory.path] = directory

    def _note_images(self, owner: ApiObject, images: Sequence[str]) -> None:
        """Record the images this component runs; those pinned by tag only cannot pass the digest checks."""
        self.images.extend(i for i in images if i not in self.images)
        if id(owner) in self._digest_skipped or all("@sha256:" in i for i in images):
            return
        self._digest_skipped.add(id(owner))
        reason = "images pinned by tag (release manifest); pin them by digest under release.images to enable this check"
        self.skip_check("CKV_K8S_43", reason, on=owner)
        self.skip_check("CKV_K8S_15", f"IfNotPresent on purpose (a G8 may be air-gapped); {reason}", on=owner)

    def deployment(self, template: Json) -> ApiObject:
        """A single instance that may run on any controller node; `Recreate` so there is one writer."""
        spec = {"replicas": 1, "selector": {"matchLabels": self.selector}, "strategy": {"type": "Recreate"},
                "revisionHistoryLimit": 5, "template": template}
        deployment = api_object(self, "deployment", api_version="apps/v1", kind="Deployment", **self.metadata(), body={"spec": spec})
        return self.register_workload(deployment, template, kind="Deployment")

    def daemon_set(self, template: Json) -> ApiObject:
        """One instance per controller node, replaced one node at a time."""
        spec = {"selector": {"matchLabels": self.selector},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "revisionHistoryLimit": 5, "template": template}
        daemon_set = api_object(self, "daemon-set", api_version="apps/v1", kind="DaemonSet", **self.metadata(), body={"spec": spec})
        return self.register_workload(daemon_set, template, kind="DaemonSet")

    def skip_check(self, check_id: str, reason: str, *, on: Optional[ApiObject] = None) -> None:
        """Suppress one checkov check on one object (default: the workload), with the reason recorded."""
        owner = on or self.workload
        if not reason.strip():
            raise ValueError(f"skip of {check_id} on {self.name} needs a reason")
        assert owner is not None, "register the workload before skipping checks on it"
        # Keyed by the Python object, and its metadata read once: each jsii property read is a round trip.
        metadata, count = self._skips.get(id(owner)) or (None, 0)
        key, value = f"checkov.io/skip{count + 1}", f"{check_id}={reason}"
        if not annotate(owner, key, value):
            metadata = metadata or owner.metadata
            metadata.add_annotation(key, value)
        self._skips[id(owner)] = (metadata, count + 1)

    def script_job(
        self,
        id: str,
        *,
        name: str,
        image: str,
        scripts: dict[str, str],
        command: Sequence[str],
        env: Optional[dict[str, str]] = None,
        user: int = UNPRIVILEGED_UID,
        volumes: Sequence[Json] = (),
        mounts: Sequence[Json] = (),
    ) -> ApiObject:
        """A re-runnable Job that runs a script (a real file, from a ConfigMap) against this component.

        It is admitted to this component's ports, comes after the workload in apply order, and
        disappears 10 minutes after it finished so that the next `kubectl apply` runs it again: the
        scripts must be idempotent.
        """
        labels = self.helper_labels(name)
        self.config_map(f"{id}-script", scripts, name=name)
        runner = container(
            id,
            image,
            command=command,
            env=env or {},
            mounts=[mount("scripts", "/scripts", read_only=True), *mounts],
            resources=JOB_RESOURCES,
            security=security_context(user=user),
        )
        template = self.pod_template(
            containers=[runner],
            volumes=[config_map_volume("scripts", name), *volumes],
            labels=labels,
            restart_policy="OnFailure",
        )
        self.allow_from_pods(f"from-{id}", f"{self.name}-from-{name}", labels)
        # A dependency that never answers fails the Job after 30 minutes instead of hanging it forever.
        spec = {"backoffLimit": 20, "activeDeadlineSeconds": 1800, "ttlSecondsAfterFinished": 600, "template": template}
        job = api_object(self, id, api_version="batch/v1", kind="Job", **self.metadata(name), body={"spec": spec})
        assert self.workload is not None, "build the workload before its Jobs"
        job.node.add_dependency(self.workload)
        return self.register_pod_owner(job, template)

    # ------------------------------------------------------------------ exposures
    def _service(self, id: str, name: str, ports: Sequence[ServicePort], **spec: Any) -> ApiObject:
        """A Service of this component's pods; `spec` in the API's field names (`type`, `externalIPs`, ...)."""
        node_ports = spec.get("type") == "NodePort"
        spec["selector"] = self.selector
        spec["ports"] = [{"name": p.name, "port": p.port, "targetPort": p.container_port,
                          "nodePort": p.node_port if node_ports else None, "protocol": p.protocol} for p in ports]
        return api_object(self, id, api_version="v1", kind="Service", **self.metadata(name), body={"spec": spec})

    def expose_kubernetes(self, ports: Sequence[ServicePort], *, headless: bool = False, name: Optional[str] = None) -> ApiObject:
        """The ClusterIP Service under the contract name; only declared dependents are admitted."""
        self.ports = tuple(ports)
        extra = {"clusterIP": "None", "publishNotReadyAddresses": True} if headless else {}
        self.service = self._service("service", name or self.name, ports, type="ClusterIP", **extra)
        return self.service

    @property
    def runs_on_every_controller(self) -> bool:
        """A pod per controller (DaemonSet, StatefulSet): each controller's address can be answered by its own pod."""
        assert self.workload is not None, "build the workload before publishing it on the controllers' addresses"
        if self._workload_kind is None:
            self._workload_kind = self.workload.kind  # read once (a jsii round trip)
        return self._workload_kind in ("DaemonSet", "StatefulSet")

    def _expose_on_addresses(self, kind: str, ports: Sequence[ServicePort], addresses: list[str], cidrs: Sequence[str],
                             *, node_port: bool = True) -> ApiObject:
        if node_port:
            missing = [p.name for p in ports if p.node_port is None]
            if missing:
                raise ValueError(f"{self.name}: {kind} exposure needs a fixed node_port for port(s) {missing}")
            # Local keeps the client's address but answers only where a pod runs: right for a pod on every controller.
            # Cluster lets every listed address answer wherever the one pod runs, masquerading the client.
            spec = {"type": "NodePort", "externalTrafficPolicy": "Local" if self.runs_on_every_controller else "Cluster"}
        else:
            spec = {"type": "ClusterIP"}
        service = self._service(kind, f"{self.name}-{kind}", ports, externalIPs=addresses, **spec)
        peers = [{"ipBlock": {"cidr": cidr}} for cidr in cidrs]
        self.allow_ingress(f"{kind}-ingress", name=f"{self.name}-{kind}", peers=peers, ports=ports)
        return service

    def expose_internal(self, ports: Sequence[ServicePort]) -> ApiObject:
        """The controllers' management and backplane IPs, admitted only from those networks.

        A pod on every controller gets a NodePort (externalTrafficPolicy Local), so each pod sees its clients. The
        physical nodes are installed against every controller's backplane IP (their `--masterips`, contract §1.6,
        §6), so a single instance must answer on all of them: kube-proxy then forwards and hands its pod the
        forwarding node's address on the pod network, which is admitted too. Its Service is a ClusterIP with those
        externalIPs and no NodePort, because a NodePort also opens on the public IPs, where an Internet client
        would be masqueraded the same way and admitted (docs/agents.md).
        """
        if self.runs_on_every_controller:
            return self._expose_on_addresses("internal", ports, self.site.internal_ips, self.site.internal_cidrs)
        return self._expose_on_addresses("internal", ports, self.site.internal_ips, [*self.site.internal_cidrs, self.site.pod_cidr],
                                         node_port=False)

    def expose_public(self, ports: Sequence[ServicePort]) -> ApiObject:
        """NodePort on the controllers' public IPs, admitted from anywhere (masqueraded clients included)."""
        return self._expose_on_addresses("public", ports, self.site.public_ips, ["0.0.0.0/0"])

    def expose(self, exposure: Exposure, ports: Sequence[ServicePort]) -> None:
        """Apply every exposure in `exposure` to the same ports."""
        if Exposure.KUBERNETES in exposure:
            self.expose_kubernetes(ports)
        if Exposure.INTERNAL in exposure:
            self.expose_internal(ports)
        if Exposure.PUBLIC in exposure:
            self.expose_public(ports)

    # ------------------------------------------------------------------ network policy
    def allow_ingress(
        self, id: str, *, name: str, peers: Sequence[Json], ports: Sequence[ServicePort]
    ) -> ApiObject:
        """Admit `peers` (NetworkPolicy `from` items) to this component's pods on `ports` (their container ports)."""
        rule = {"from": list(peers), "ports": [{"port": p.container_port, "protocol": p.protocol} for p in ports]}
        spec = {"podSelector": {"matchLabels": self.selector}, "policyTypes": ["Ingress"], "ingress": [rule]}
        return api_object(self, id, api_version="networking.k8s.io/v1", kind="NetworkPolicy", **self.metadata(name),
                          body={"spec": spec})

    def allow_from_pods(self, id: str, name: str, pod_labels: dict, ports: Optional[Sequence[ServicePort]] = None) -> ApiObject:
        peer = {"podSelector": {"matchLabels": pod_labels}}
        return self.allow_ingress(id, name=name, peers=[peer], ports=ports or self.ports)

    # ------------------------------------------------------------------ dependencies
    def connects_to(self, other: "Component", ports: Optional[Sequence[ServicePort]] = None) -> None:
        """Admit this component's pods to `other`'s ports, without waiting or ordering."""
        if not other.ports:
            raise ValueError(f"{self.name} cannot connect to {other.name}: it exposes no ports")
        other.allow_from_pods(f"from-{self.name}", f"{other.name}-from-{self.name}", self.selector, ports)

    def depends_on(self, other: "Component", ports: Optional[Sequence[ServicePort]] = None) -> None:
        """Wait for `other` before starting, reach its ports, and come after it in apply order."""
        if other in self.dependencies:
            return
        assert self.workload is not None, "build the workload before declaring dependencies"
        self.dependencies.append(other)
        self.connects_to(other, ports)
        self.node.add_dependency(other)
        wait = other.wait_container()
        self._note_images(self.workload, [wait["image"]])
        # Waits run first, in declaration order: the pod's own init steps (configuration) may need the dependency.
        index = None if self._init_container_count == 0 else self._wait_count
        add_to_list(self.workload, f"{self._pod_spec_path}/initContainers", wait, index=index)
        self._init_container_count += 1
        self._wait_count += 1

    def wait_script(self) -> str:
        """Shell loop (busybox) that ends once this component answers on its Service."""
        port = self.ports[0].port
        if self.health_path:
            check = f"timeout 5 wget -q -O /dev/null http://{self.name}:{port}{self.health_path}"
        else:
            check = f"nc -w 3 {self.name} {port} </dev/null"
        return f"until {check}; do echo waiting for {self.name}:{port}; sleep 3; done"

    def wait_container(self) -> Json:
        """The init container a dependent runs to wait for this component; override for richer checks."""
        return container(
            f"wait-for-{self.name}",
            self.site.helper_image,
            command=["sh", "-c", self.wait_script()],
            resources=WAIT_RESOURCES,
            security=security_context(),
        )
