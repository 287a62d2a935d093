"""G8Chart: one G8 from one environment file."""
from __future__ import annotations

from cdk8s import Chart
from constructs import Construct

from . import ordering
from .component import PART_OF, Component
from .manifest import HeldBodies, api_object, config_map
from .environment import CB_MASTER, Environment, InvalidEnvironment
from .agents import AgentController, GeneralJsAgent
from .mongo import ReplicatedMongo
from .osis import OsisDaemon
from .billing_sync import BillingSync
from .host_directories import HostDirectories, RootSshKey
from .host_directories import plan as host_directory_plan
from .controller_pods import Management, OvcVersions, Qa, UptimeMonitor, ZeroAccess
from .portal import PortalStack
from .pxeboot import PxeBoot
from .timeseries import Grafana, InfluxDb, StatsCollector
from .versions_manifest import VersionsManifest
from .site import Site
from .system_config import SystemConfig


class G8Chart(Chart):
    """The namespace, the system config, the release manifest, default-deny ingress, and every G8 component.

    Resource names are contracts (the images dial `mongo`, `osis`, ...), so no name hashes are added.
    Every object carries its sync wave (docs/operations.md), stamped at synthesis.
    """

    def __init__(self, scope: Construct, id: str, *, environment: Environment) -> None:
        problems = environment.problems()
        if problems:
            raise InvalidEnvironment(environment.name, problems)
        super().__init__(
            scope,
            id,
            namespace=environment.namespace,
            disable_resource_name_hashes=True,
            labels={
                "app.kubernetes.io/part-of": PART_OF,
                "app.kubernetes.io/instance": id,
                "app.kubernetes.io/managed-by": "cdk8s",
            },
        )
        # Bodies are attached in to_json, which renders in Python anyway: one jsii round trip per object.
        self._held_bodies = HeldBodies.install(self)
        environment = environment.with_release_images()
        self.environment = environment
        self.site = Site.from_environment(environment)
        self.namespace_object = api_object(self, "namespace", api_version="v1", kind="Namespace", name=environment.namespace,
                                           body={}, cluster_scoped=True)
        self.environment_config = config_map(
            self,
            "environment",
            name="g8-environment",
            data={
                "G8_NAME": environment.name,
                "G8_GRID_ID": str(environment.grid_id),
                "G8_FQDN": environment.fqdn,
                "G8_NAMESPACE": environment.namespace,
                "G8_MANAGEMENT_CIDR": environment.networks.management.cidr,
                "G8_CONTROLLER_NODES": " ".join(self.site.node_names),
                "G8_CONTROLLER_MANAGEMENT_IPS": " ".join(self.site.management_ips),
                "G8_CONTROLLER_BACKPLANE_IPS": " ".join(n.backplane_ip for n in self.site.nodes if n.backplane_ip),
                "G8_CONTROLLER_PUBLIC_IPS": " ".join(self.site.public_ips),
            },
        )
        self.default_deny = api_object(self, "default-deny-ingress", api_version="networking.k8s.io/v1", kind="NetworkPolicy",
                                       name="default-deny-ingress", body={"spec": {"podSelector": {}, "policyTypes": ["Ingress"]}})
        self.system_config = SystemConfig(self, "system-config", environment=environment, image=environment.image(CB_MASTER))
        self.versions = VersionsManifest(self, "versions-manifest", environment=environment)
        config = self.system_config
        self.mongo = ReplicatedMongo(self, "mongo", site=self.site, settings=environment.mongo)
        self.billing_sync = (
            BillingSync(
                self, "billing-sync", site=self.site, settings=environment.billing_sync, mongo=self.mongo,
                device_ids={n.name: n.syncthing_device_id for n in environment.controllers},
                folders=[(folder_id, path) for folder_id, path, _ in environment.sync_folders()],
            )
            if environment.billing_sync.enabled
            else None
        )
        self.influxdb = InfluxDb(self, "influxdb", site=self.site, data_host_path=environment.paths.influx,
                                 settings=environment.influxdb)
        self.osis = OsisDaemon(self, "osis", mongo=self.mongo, system_config=config, settings=environment.osis)
        billing = environment.paths.billing
        self.agentcontroller = AgentController(
            self, "agentcontroller", osis=self.osis, system_config=config, settings=environment.agents, billing_host_path=billing
        )
        self.jsagent = (
            GeneralJsAgent(self, "jsagent", osis=self.osis, agentcontroller=self.agentcontroller, system_config=config,
                           settings=environment.agents, billing_host_path=billing, ssh_host_path=environment.paths.ssh)
            if environment.agents.general_jsagent
            else None
        )
        self.stats_collector = StatsCollector(self, "stats-collector", influxdb=self.influxdb, system_config=config,
                                              settings=environment.stats_collector)
        self.stats_collector.depends_on(self.osis)
        self.portal = PortalStack(
            self, "portal", osis=self.osis, domain=environment.fqdn, system_config=config, versions=self.versions,
            settings=environment.portal, billing_host_path=billing, location=environment.subdomain,
            cpu_nodes=PortalStack.backplane_addresses(environment, "cpu"),
            storage_nodes=PortalStack.backplane_addresses(environment, "storage"),
            certificates=environment.certificates,
            # nginx proxies /0-access/ to its Service (the kubernetes exposure).
            zero_access=environment.zero_access.enabled and "kubernetes" in environment.zero_access.exposure,
        )
        # The portal's jsagent dials the agent controller (FACTS apply order: agents before portal).
        self.portal.depends_on(self.agentcontroller)
        self.grafana = Grafana(self, "grafana", influxdb=self.influxdb, domain=environment.fqdn, subdomain=environment.subdomain,
                               settings=environment.grafana)
        # The portal proxies /grafana (request time, no wait; FACTS: grafana is applied last).
        self.portal.connects_to(self.grafana)
        self.pxeboot = PxeBoot.from_environment(self, "pxeboot", site=self.site, environment=environment) if environment.pxe else None
        ssh = {"ssh_host_path": environment.paths.ssh}
        optional = (("management", Management, environment.management_pod, ssh), ("zero-access", ZeroAccess, environment.zero_access, ssh),
                    ("uptime-monitor", UptimeMonitor, environment.uptime_monitor, {}), ("qa", Qa, environment.qa, {}))
        self.controller_pods = {id: kind(self, id, site=self.site, system_config=config, settings=settings, **extra)
                                for id, kind, settings, extra in optional if settings.enabled}
        if "uptime-monitor" in self.controller_pods:
            for dependency in (self.osis, self.agentcontroller):
                self.controller_pods["uptime-monitor"].depends_on(dependency)
        if "management" in self.controller_pods:
            # The installer calls the portal's REST API (contract §5).
            self.controller_pods["management"].connects_to(self.portal)
        if "zero-access" in self.controller_pods:
            # nginx serves 0-access's HTTP side at https://<fqdn>/0-access/ (contract §12).
            self.portal.connects_to(self.controller_pods["zero-access"], [ZeroAccess.HTTP])
        self.ovc_versions = (
            OvcVersions(self, "ovc-versions", site=self.site, versions=self.versions, settings=environment.ovc_versions)
            if environment.ovc_versions.enabled
            else None
        )
        if self.ovc_versions and self.ovc_versions.service:
            # Its readers dial `ovc-versions`: operators in the management pod, and the portal.
            for reader in (self.portal, self.controller_pods.get("management")):
                if reader:
                    reader.connects_to(self.ovc_versions)

        # Last, so it sees every component's directories; first in apply order (wave 0, see to_json).
        components = self.components
        ssh = environment.ssh
        root_ssh_key = RootSshKey(environment.paths.ssh, ssh.private_key.secret, ssh.private_key.key, ssh.public_key)
        self.host_directories = HostDirectories(self, "host-directories", site=self.site, directories=host_directory_plan(components),
                                                root_ssh_key=root_ssh_key)

    @property
    def applyset_parent(self) -> str:
        """The Secret that holds this G8's ApplySet inventory: `kubectl apply --prune --applyset=secret/<this>`."""
        return ordering.applyset_parent(self.node.id)

    def to_json(self) -> list:
        documents = self._held_bodies.attach(super().to_json())
        component_waves = ordering.waves(self.components, first=self.host_directories)
        return ordering.stamp(documents, component_waves=component_waves)

    @property
    def components(self) -> list[Component]:
        """Every component of this G8, in construction order."""
        return [c for c in self.node.children if isinstance(c, Component)]
