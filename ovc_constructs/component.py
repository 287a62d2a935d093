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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, Optional, Sequence

import cdk8s_plus_27 as kplus
import jsii
from cdk8s import ApiObject, ApiObjectMetadata, App, Chart, JsonPatch
from cdk8s_plus_27 import k8s
from constructs import Construct

from .arguments import checked
from .environment import _dns_label, resources
from .ordering import COMPONENT_LABEL
from .pods import UNPRIVILEGED_UID, config_map_volume, container, host_path, image_tag, mount, int_or_string, security_context
from .site import Site

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


_scratch_chart: Optional[Chart] = None
_scratch_count = 0


def container_patch_value(spec: k8s.Container) -> dict:
    """A typed container as the value of a JSON patch on a `cdk8s_plus_27.k8s` object.

    Those objects pass their patched JSON through the typed converters again, which read quantities
    as `Quantity.value`; resource quantities are therefore given in that shape. The schema test
    catches any drift (a quantity would come out as null).
    """
    global _scratch_chart, _scratch_count
    if _scratch_chart is None:
        _scratch_chart = Chart(App(), "scratch")
    _scratch_count += 1
    pod = k8s.KubePod(_scratch_chart, f"c{_scratch_count}", spec=k8s.PodSpec(containers=[spec]))
    value = pod.to_json()["spec"]["containers"][0]
    for bound in ("limits", "requests"):
        quantities = value.get("resources", {}).get(bound, {})
        value["resources"][bound] = {name: {"value": q} for name, q in quantities.items()}
    return value


def _claim(chart: Chart, what: str, value: str, owner: str, remedy: str) -> None:
    """Refuse a second component claiming the same name (their objects would clash) or data directory in one chart."""
    claims: dict[tuple[str, str], str] = chart.__dict__.setdefault("_ovc_claims", {})
    if (what, value) in claims:
        raise ValueError(f"{owner}: {what} {value!r} is already used by {claims[what, value]} in chart {chart.node.id!r}; {remedy}")
    claims[what, value] = owner


def node_selector(key: str, values: Sequence[str], *also: k8s.NodeSelectorRequirement) -> k8s.NodeSelector:
    """Nodes whose label `key` is one of `values` and that meet every requirement in `also`."""
    admitted = k8s.NodeSelectorRequirement(key=key, operator="In", values=list(values))
    return k8s.NodeSelector(node_selector_terms=[k8s.NodeSelectorTerm(match_expressions=[admitted, *also])])


@lru_cache(maxsize=1)
def _without_namespace() -> JsonPatch:
    return JsonPatch.remove("/metadata/namespace")


def cluster_scoped(api_object: ApiObject) -> ApiObject:
    """Drop the namespace the chart stamps on every object from a cluster-scoped one."""
    api_object.add_json_patch(_without_namespace())
    return api_object


def chart_identity(scope: Construct) -> tuple[Chart, str, Optional[str]]:
    """The chart of `scope`, its id and its namespace, read from jsii once per chart (each read is a round trip)."""
    chart = scope if isinstance(scope, Chart) else Chart.of(scope)
    identity = chart.__dict__.get("_ovc_identity")
    if identity is None:
        identity = chart.__dict__["_ovc_identity"] = (chart.node.id, chart.namespace)
    return chart, *identity


@jsii.implements(kplus.INetworkPolicyPeer, kplus.IPodSelector)
class Component(Construct):
    """Base of every G8 component construct: one workload, its Services and NetworkPolicies.

    Subclasses set `default_name` (the contract name the images dial) and `role`, build their workload
    with `pod_template` and one of `deployment`, `daemon_set` or `register_workload`, then call the
    `expose_*` methods. Every subclass's constructor arguments are checked against its annotations.

    A component is a cdk8s-plus network-policy peer and pod selector: `deployment.connections.allow_to(mongo)`
    admits a cdk8s-plus workload to it, and `mongo.allow_from(peer)` takes any cdk8s-plus peer.
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
        self.service: Optional[k8s.KubeService] = None
        self.workload: Optional[ApiObject] = None
        self.dependencies: list[Component] = []
        self.images: list[str] = []
        self._pod_spec_path = ""
        self._init_container_count = 0
        self._wait_count = 0
        self._skips: dict[int, tuple[ApiObjectMetadata, int]] = {}
        self._digest_skipped: set[int] = set()
        self._peer_policy_count = 0
        self.host_directories: dict[str, HostDirectory] = {}
        self.host_paths: set[str] = set()
        self.service_account = k8s.KubeServiceAccount(
            self, "service-account", metadata=self.metadata(), automount_service_account_token=False
        )

    # ------------------------------------------------------------------ cdk8s-plus peer
    def to_pod_selector_config(self) -> kplus.PodSelectorConfig:
        """This component's pods, in its namespace (cdk8s-plus `IPodSelector`)."""
        return kplus.PodSelectorConfig(
            label_selector=kplus.LabelSelector.of(labels=self.selector),
            namespaces=kplus.NamespaceSelectorConfig(names=[self.namespace]),
        )

    def to_pod_selector(self) -> Optional[kplus.IPodSelector]:
        return self

    def to_network_policy_peer_config(self) -> kplus.NetworkPolicyPeerConfig:
        return kplus.NetworkPolicyPeerConfig(pod_selector=self.to_pod_selector_config())

    def allow_from(self, peer: kplus.INetworkPolicyPeer, ports: Optional[Sequence[ServicePort]] = None) -> kplus.NetworkPolicy:
        """Admit any cdk8s-plus peer (a workload, `Pods.select(...)`, `Pods.all()`, an `IpBlock`, another
        component) to this component's pods on `ports` (default: every port it exposes)."""
        ports = tuple(ports or self.ports)
        if not ports:
            raise ValueError(f"{self.name}.allow_from: it exposes no ports yet; expose it first or pass ports=")
        if not hasattr(peer, "to_network_policy_peer_config"):
            raise TypeError(f"{self.name}.allow_from(peer=...): expected a cdk8s-plus INetworkPolicyPeer, got {type(peer).__name__}")
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
    def metadata(self, name: Optional[str] = None, *, annotations: Optional[dict] = None) -> k8s.ObjectMeta:
        return k8s.ObjectMeta(name=name or self.name, labels=self.labels, annotations=annotations)

    def helper_labels(self, name: str) -> dict:
        """Labels for this component's helper pods (Jobs): its own, under another `name`."""
        return {**self.labels, "app.kubernetes.io/name": name}

    def controller_affinity(self, *also: k8s.NodeSelectorRequirement) -> k8s.Affinity:
        """Run on any controller node of the site that meets `also` (never pinned to one)."""
        return k8s.Affinity(
            node_affinity=k8s.NodeAffinity(
                required_during_scheduling_ignored_during_execution=node_selector(
                    self.site.node_selector_key, self.site.node_names, *also
                )
            )
        )

    def pod_template(
        self,
        *,
        containers: Sequence[k8s.Container],
        init_containers: Sequence[k8s.Container] = (),
        volumes: Sequence[k8s.Volume] = (),
        affinity: Optional[k8s.Affinity] = None,
        fs_group: Optional[int] = None,
        host_network: bool = False,
        termination_grace_seconds: int = 30,
        labels: Optional[dict] = None,
        restart_policy: Optional[str] = None,
        annotations: Optional[dict] = None,
        low_ports: bool = False,
        hostname: Optional[str] = None,
    ) -> k8s.PodTemplateSpec:
        """A pod with its own token-less ServiceAccount, RuntimeDefault seccomp and no service links.

        Service links are off because Kubernetes would inject variables such as `INFLUXDB_PORT`, which
        images like influxdb read as their own configuration. `low_ports` lets the pod's processes bind
        ports below 1024 without any capability, through the namespaced (safe) sysctl
        `net.ipv4.ip_unprivileged_port_start`. `hostname` replaces the pod name (random suffix included) as the
        hostname its processes see.
        """
        sysctls = [k8s.Sysctl(name="net.ipv4.ip_unprivileged_port_start", value="0")] if low_ports else None
        return k8s.PodTemplateSpec(
            metadata=k8s.ObjectMeta(labels=labels or self.labels, annotations=annotations),
            spec=k8s.PodSpec(
                service_account_name=self.name,
                automount_service_account_token=False,
                enable_service_links=False,
                security_context=k8s.PodSecurityContext(
                    seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"), fs_group=fs_group, sysctls=sysctls
                ),
                image_pull_secrets=[k8s.LocalObjectReference(name=s) for s in self.site.image_pull_secrets] or None,
                affinity=affinity or self.controller_affinity(),
                hostname=hostname,
                host_network=host_network or None,
                dns_policy="ClusterFirstWithHostNet" if host_network else None,
                termination_grace_period_seconds=termination_grace_seconds,
                restart_policy=restart_policy,
                init_containers=list(init_containers) or None,
                containers=list(containers),
                volumes=list(volumes) or None,
            ),
        )

    def register_workload(
        self, workload: ApiObject, template: k8s.PodTemplateSpec, pod_spec_path: str = "/spec/template/spec"
    ) -> ApiObject:
        """Record the object whose pods get dependency waits and check suppressions."""
        self.workload = workload
        self._pod_spec_path = pod_spec_path
        self._init_container_count = len(template.spec.init_containers or [])
        return self.register_pod_owner(workload, template)

    def register_pod_owner(self, owner: ApiObject, template: k8s.PodTemplateSpec) -> ApiObject:
        """Note the images of any object that owns pods (workload, Job, CronJob) for the digest checks,
        and the host directories its pods mount (`HostDirectories` prepares them)."""
        containers = list(template.spec.containers) + list(template.spec.init_containers or [])
        self._note_images(owner, [c.image for c in containers])
        for volume in template.spec.volumes or []:
            if volume.host_path and volume.host_path.type in DIRECTORY_TYPES:
                self.host_paths.add(volume.host_path.path.rstrip("/") or "/")
        return owner

    def host_directory(self, name: str, directory: HostDirectory, kind: str = "DirectoryOrCreate") -> k8s.Volume:
        """A hostPath volume of a directory whose owner or mode matters (an SSH key directory, data of a non-root image)."""
        self.declare_host_directory(directory)
        return host_path(name, directory.path, kind)

    def root_ssh_volume(self, path: str) -> k8s.Volume:
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

    def deployment(self, template: k8s.PodTemplateSpec) -> k8s.KubeDeployment:
        """A single instance that may run on any controller node; `Recreate` so there is one writer."""
        return self.register_workload(
            k8s.KubeDeployment(
                self,
                "deployment",
                metadata=self.metadata(),
                spec=k8s.DeploymentSpec(
                    replicas=1,
                    selector=k8s.LabelSelector(match_labels=self.selector),
                    strategy=k8s.DeploymentStrategy(type="Recreate"),
                    revision_history_limit=5,
                    template=template,
                ),
            ),
            template,
        )

    def daemon_set(self, template: k8s.PodTemplateSpec) -> k8s.KubeDaemonSet:
        """One instance per controller node, replaced one node at a time."""
        return self.register_workload(
            k8s.KubeDaemonSet(
                self,
                "daemon-set",
                metadata=self.metadata(),
                spec=k8s.DaemonSetSpec(
                    selector=k8s.LabelSelector(match_labels=self.selector),
                    update_strategy=k8s.DaemonSetUpdateStrategy(
                        type="RollingUpdate",
                        rolling_update=k8s.RollingUpdateDaemonSet(max_unavailable=int_or_string(1)),
                    ),
                    revision_history_limit=5,
                    template=template,
                ),
            ),
            template,
        )

    def skip_check(self, check_id: str, reason: str, *, on: Optional[ApiObject] = None) -> None:
        """Suppress one checkov check on one object (default: the workload), with the reason recorded."""
        owner = on or self.workload
        if not reason.strip():
            raise ValueError(f"skip of {check_id} on {self.name} needs a reason")
        assert owner is not None, "register the workload before skipping checks on it"
        # Keyed by the Python object, and its metadata read once: each jsii property read is a round trip.
        metadata, count = self._skips.get(id(owner)) or (owner.metadata, 0)
        self._skips[id(owner)] = (metadata, count + 1)
        metadata.add_annotation(f"checkov.io/skip{count + 1}", f"{check_id}={reason}")

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
        volumes: Sequence[k8s.Volume] = (),
        mounts: Sequence[k8s.VolumeMount] = (),
    ) -> k8s.KubeJob:
        """A re-runnable Job that runs a script (a real file, from a ConfigMap) against this component.

        It is admitted to this component's ports, comes after the workload in apply order, and
        disappears 10 minutes after it finished so that the next `kubectl apply` runs it again: the
        scripts must be idempotent.
        """
        labels = self.helper_labels(name)
        k8s.KubeConfigMap(self, f"{id}-script", metadata=self.metadata(name), data=scripts)
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
        job = k8s.KubeJob(
            self,
            id,
            metadata=self.metadata(name),
            # A dependency that never answers fails the Job after 30 minutes instead of hanging it forever.
            spec=k8s.JobSpec(backoff_limit=20, active_deadline_seconds=1800, ttl_seconds_after_finished=600, template=template),
        )
        assert self.workload is not None, "build the workload before its Jobs"
        job.node.add_dependency(self.workload)
        return self.register_pod_owner(job, template)

    # ------------------------------------------------------------------ exposures
    def _service(self, id: str, name: str, ports: Sequence[ServicePort], **spec) -> k8s.KubeService:
        return k8s.KubeService(
            self,
            id,
            metadata=self.metadata(name),
            spec=k8s.ServiceSpec(
                selector=self.selector,
                ports=[
                    k8s.ServicePort(
                        name=p.name,
                        port=p.port,
                        target_port=int_or_string(p.container_port),
                        node_port=p.node_port if spec.get("type") == "NodePort" else None,
                        protocol=p.protocol,
                    )
                    for p in ports
                ],
                **spec,
            ),
        )

    def expose_kubernetes(self, ports: Sequence[ServicePort], *, headless: bool = False, name: Optional[str] = None) -> k8s.KubeService:
        """The ClusterIP Service under the contract name; only declared dependents are admitted."""
        self.ports = tuple(ports)
        extra = {"cluster_ip": "None", "publish_not_ready_addresses": True} if headless else {}
        self.service = self._service("service", name or self.name, ports, type="ClusterIP", **extra)
        return self.service

    @property
    def runs_on_every_controller(self) -> bool:
        """A pod per controller (DaemonSet, StatefulSet): each controller's address can be answered by its own pod."""
        assert self.workload is not None, "build the workload before publishing it on the controllers' addresses"
        return isinstance(self.workload, (k8s.KubeDaemonSet, k8s.KubeStatefulSet))

    def _expose_on_addresses(self, kind: str, ports: Sequence[ServicePort], addresses: list[str], cidrs: Sequence[str],
                             *, node_port: bool = True) -> k8s.KubeService:
        if node_port:
            missing = [p.name for p in ports if p.node_port is None]
            if missing:
                raise ValueError(f"{self.name}: {kind} exposure needs a fixed node_port for port(s) {missing}")
            # Local keeps the client's address but answers only where a pod runs: right for a pod on every controller.
            # Cluster lets every listed address answer wherever the one pod runs, masquerading the client.
            spec = {"type": "NodePort", "external_traffic_policy": "Local" if self.runs_on_every_controller else "Cluster"}
        else:
            spec = {"type": "ClusterIP"}
        service = self._service(kind, f"{self.name}-{kind}", ports, external_i_ps=addresses, **spec)
        peers = [k8s.NetworkPolicyPeer(ip_block=k8s.IpBlock(cidr=cidr)) for cidr in cidrs]
        self.allow_ingress(f"{kind}-ingress", name=f"{self.name}-{kind}", peers=peers, ports=ports)
        return service

    def expose_internal(self, ports: Sequence[ServicePort]) -> k8s.KubeService:
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

    def expose_public(self, ports: Sequence[ServicePort]) -> k8s.KubeService:
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
        self, id: str, *, name: str, peers: Sequence[k8s.NetworkPolicyPeer], ports: Sequence[ServicePort]
    ) -> k8s.KubeNetworkPolicy:
        """Admit `peers` to this component's pods on `ports` (their container ports)."""
        return k8s.KubeNetworkPolicy(
            self,
            id,
            metadata=self.metadata(name),
            spec=k8s.NetworkPolicySpec(
                pod_selector=k8s.LabelSelector(match_labels=self.selector),
                policy_types=["Ingress"],
                ingress=[
                    k8s.NetworkPolicyIngressRule(
                        from_=list(peers),
                        ports=[
                            k8s.NetworkPolicyPort(port=int_or_string(p.container_port), protocol=p.protocol)
                            for p in ports
                        ],
                    )
                ],
            ),
        )

    def allow_from_pods(self, id: str, name: str, pod_labels: dict, ports: Optional[Sequence[ServicePort]] = None) -> k8s.KubeNetworkPolicy:
        peer = k8s.NetworkPolicyPeer(pod_selector=k8s.LabelSelector(match_labels=pod_labels))
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
        wait_spec = other.wait_container()
        self._note_images(self.workload, [wait_spec.image])
        wait = container_patch_value(wait_spec)
        path = f"{self._pod_spec_path}/initContainers"
        # Waits run first, in declaration order: the pod's own init steps (configuration) may need the dependency.
        if self._init_container_count == 0:
            self.workload.add_json_patch(JsonPatch.add(path, [wait]))
        else:
            self.workload.add_json_patch(JsonPatch.add(f"{path}/{self._wait_count}", wait))
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

    def wait_container(self) -> k8s.Container:
        """The init container a dependent runs to wait for this component; override for richer checks."""
        return container(
            f"wait-for-{self.name}",
            self.site.helper_image,
            command=["sh", "-c", self.wait_script()],
            resources=WAIT_RESOURCES,
            security=security_context(),
        )
