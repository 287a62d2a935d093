"""The environment file: one YAML document that describes one G8.

This module is the public contract of that file. Every field is typed and validated here; unknown
keys are errors so that a typo is never silently ignored. `docs/environment.schema.json` is
generated from these classes (`python -m ovc_constructs schema`).
"""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal, Optional

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# [registry[:port]/]repo/path:tag[@sha256:<64 hex>] or ...@sha256:<64 hex>; a tag or digest is required
# so that nothing silently floats to `latest`.
_IMAGE_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REF = re.compile(
    r"^(?:(?P<registry>[a-zA-Z0-9.-]+(?::[0-9]+)?)/)?"
    rf"(?P<repository>{_IMAGE_COMPONENT}(?:/{_IMAGE_COMPONENT})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
CRON = re.compile(r"^(\S+\s+){4}\S+$")
NODE_PORT_RANGE = range(30000, 32768)


def _dns_label(value: str) -> str:
    if not DNS1123_LABEL.match(value):
        raise ValueError(f"{value!r} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)")
    return value


def _dns_subdomain(value: str) -> str:
    if not DNS1123_SUBDOMAIN.match(value):
        raise ValueError(f"{value!r} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')")
    return value


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a valid IPv4 address") from None


def _ipv4_network(value: str) -> str:
    try:
        return str(ipaddress.IPv4Network(value, strict=True))
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid IPv4 network in CIDR form ({error})") from None


def _image(value: str) -> str:
    match = IMAGE_REF.match(value)
    if not match or not (match["tag"] or match["digest"]):
        raise ValueError(
            f"{value!r} is not a valid image reference; expected name:tag or name:tag@sha256:<64 hex digits>"
        )
    return value


def _absolute_path(value: str) -> str:
    if not value.startswith("/") or "/../" in f"{value}/" or value.rstrip("/") == "":
        raise ValueError(f"{value!r} is not an absolute host path below /")
    return value.rstrip("/")


def _quantity(value: str) -> str:
    if not QUANTITY.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes quantity such as '250m', '1', '512Mi' or '2Gi'")
    return value


def _cron(value: str) -> str:
    if not CRON.match(value):
        raise ValueError(f"{value!r} is not a 5-field cron schedule such as '30 2 * * *'")
    return value


def _upstream(value: str) -> str:
    if not re.match(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s;{}'\"]*)?$", value):
        raise ValueError(f"{value!r} is not an http(s)://host[:port][/path] upstream URL")
    return value


def _mac(value: str) -> str:
    if not re.match(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", value.lower()):
        raise ValueError(f"{value!r} is not a MAC address such as 52:54:00:12:34:56")
    return value.lower()


def _interface(value: str) -> str:
    if not re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$", value):
        raise ValueError(f"{value!r} is not a network interface name")
    return value


def _label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if (prefix and not DNS1123_SUBDOMAIN.match(prefix)) or not re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", name):
        raise ValueError(f"{value!r} is not a Kubernetes label key")
    return value


def _node_port(value: int) -> int:
    if value not in NODE_PORT_RANGE:
        raise ValueError(f"{value} is outside the NodePort range 30000-32767")
    return value


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
DnsSubdomain = Annotated[str, AfterValidator(_dns_subdomain)]
IPv4 = Annotated[str, AfterValidator(_ipv4)]
IPv4Network = Annotated[str, AfterValidator(_ipv4_network)]
Image = Annotated[str, AfterValidator(_image)]
HostPath = Annotated[str, AfterValidator(_absolute_path)]
Quantity = Annotated[str, AfterValidator(_quantity)]
Cron = Annotated[str, AfterValidator(_cron)]
NodePort = Annotated[int, AfterValidator(_node_port)]
Upstream = Annotated[str, AfterValidator(_upstream)]
Mac = Annotated[str, AfterValidator(_mac)]
Interface = Annotated[str, AfterValidator(_interface)]
LabelKey = Annotated[str, AfterValidator(_label_key)]
UnprivilegedPort = Annotated[int, Field(ge=1024, le=65535)]
ExposureName = Literal["kubernetes", "internal", "public"]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Resources(StrictModel):
    """Requests and limits of one container (Kubernetes quantities)."""

    cpu_request: Quantity
    memory_request: Quantity
    cpu_limit: Quantity
    memory_limit: Quantity


def resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> Resources:
    return Resources(cpu_request=cpu, memory_request=memory, cpu_limit=cpu_limit, memory_limit=memory_limit)


def _device_id(value: str) -> str:
    from .syncthing import is_valid_device_id

    if not is_valid_device_id(value):
        raise ValueError(f"{value!r} is not a Syncthing device ID (8 groups of 7 base32 characters with valid check characters)")
    return value


DeviceId = Annotated[str, AfterValidator(_device_id)]


class Node(StrictModel):
    """One controller node, by its Kubernetes node name."""

    name: DnsSubdomain
    management_ip: IPv4
    public_ip: IPv4
    syncthing_device_id: Optional[DeviceId] = Field(
        None, description="public ID of the node's BillingSync identity (python -m ovc_constructs syncthing-identities)"
    )


class Management(StrictModel):
    cidr: IPv4Network = Field(description="Management network of the G8, e.g. 10.199.0.0/22")


class Paths(StrictModel):
    """Host paths shared by several components (seed 000)."""

    billing: HostPath = Field("/var/ovc/billing", description="capnp billing files, synced to all nodes")
    influx: HostPath = Field("/var/ovc/influx", description="InfluxDB data, synced to all nodes")


class MongoBackup(StrictModel):
    schedule: Cron = "30 2 * * *"
    retention_days: int = Field(7, ge=1, le=365)
    host_path: HostPath = "/var/ovc/backups/mongodb"


class MongoSettings(StrictModel):
    image: Image = "mongo:3.4"
    host_path: HostPath = Field("/var/ovc/mongodb", description="local PersistentVolume path on every node")
    storage_size: Quantity = "20Gi"
    resources: Resources = resources("250m", "512Mi", "2", "2Gi")
    backup: MongoBackup = MongoBackup()


class OsisSettings(StrictModel):
    image: Image = "jumpscale/osis:7.2"
    node_port: NodePort = 30544
    resources: Resources = resources("100m", "256Mi", "1", "1Gi")


class TlsSettings(StrictModel):
    """The portal's certificate: issued by cert-manager, or an existing Secret (never a key in the output)."""

    mode: Literal["cert-manager", "secret"] = "cert-manager"
    secret_name: DnsSubdomain = Field("portal-tls", description="Secret with tls.crt/tls.key (written by cert-manager or existing)")
    issuer_kind: Literal["ClusterIssuer", "Issuer"] = "ClusterIssuer"
    issuer_name: DnsSubdomain = "letsencrypt"


class PublicSettings(StrictModel):
    """How ports 80/443 reach nginx: fixed NodePorts on the public IPs (seed 000) or Traefik passthrough (seed 002)."""

    mode: Literal["nodeport", "traefik"] = "nodeport"
    http_node_port: NodePort = 30080
    https_node_port: NodePort = 30443
    traefik_namespace: DnsLabel = "traefik"
    traefik_https_entrypoint: DnsLabel = "websecure"
    traefik_http_entrypoint: DnsLabel = "web"


class VirtualHost(StrictModel):
    """An extra public name `<name>.<domain>` that nginx proxies to `upstream`."""

    name: DnsLabel
    upstream: Upstream


class PortalSettings(StrictModel):
    nginx_image: Image = "nginx:1.12"
    portal_image: Image = "openvcloud/portal:2.3"
    redis_image: Image = "redis:3.2"
    data_host_path: HostPath = Field("/var/ovc/portals", description="node-local portal data, mounted at /opt/jumpscale7/apps/portals/")
    public: PublicSettings = PublicSettings()
    tls: TlsSettings = TlsSettings()
    virtual_hosts: list[VirtualHost] = Field(default_factory=list, description="e.g. ovs, defense, novnc")
    dns_resolver: str = Field(
        "kube-dns.kube-system.svc.cluster.local", description="DNS server nginx uses to resolve upstreams at request time"
    )
    nginx_resources: Resources = resources("50m", "64Mi", "1", "256Mi")
    portal_resources: Resources = resources("200m", "512Mi", "2", "2Gi")
    redis_resources: Resources = resources("20m", "32Mi", "500m", "160Mi")


class AgentSettings(StrictModel):
    agentcontroller_image: Image = "jumpscale/core:7.2"
    jsagent_image: Image = "jumpscale/core:7.2"
    redis_image: Image = "redis:3.2"
    node_port: NodePort = Field(30444, description="agentcontroller on the management IPs")
    general_jsagent: bool = Field(True, description="the general-purpose jsagent of seed 001")
    agentcontroller_resources: Resources = resources("100m", "256Mi", "1", "1Gi")
    jsagent_resources: Resources = resources("100m", "256Mi", "1", "1Gi")
    redis_resources: Resources = resources("20m", "32Mi", "500m", "160Mi")


class SyncFolder(StrictModel):
    id: DnsLabel
    path: HostPath


class BillingSyncSettings(StrictModel):
    enabled: bool = True
    image: Image = "syncthing/syncthing:0.14"
    secret_name: DnsSubdomain = Field("billing-sync", description="Secret with <node>-cert.pem, <node>-key.pem and apikey")
    folders: list[SyncFolder] = Field(
        default_factory=list,
        description="folders synced besides billing, influx and grafana (FACTS: pxeboot, ssl, .ssh, 0-access, ...)",
    )
    resources: Resources = resources("50m", "128Mi", "1", "512Mi")


class InfluxSettings(StrictModel):
    image: Image = "influxdb:1.4"
    database: DnsLabel = "statistics"
    resources: Resources = resources("100m", "256Mi", "2", "2Gi")


class GrafanaSettings(StrictModel):
    image: Image = "grafana/grafana:3.1"
    admin_secret: DnsSubdomain = Field("grafana-admin", description="existing Secret with key admin-password")
    host_path: HostPath = Field("/var/ovc/grafana", description="Grafana's database, synced by BillingSync")
    resources: Resources = resources("50m", "128Mi", "1", "512Mi")


class StatsCollectorSettings(StrictModel):
    image: Image = "openvcloud/statscollector:2.3"
    resources: Resources = resources("50m", "128Mi", "1", "512Mi")


class Reservation(StrictModel):
    """A static DHCP lease for one of the G8's other nodes (CPU and storage nodes)."""

    mac: Mac
    ip: IPv4
    hostname: DnsLabel


class PxeSettings(StrictModel):
    """DHCP + TFTP (dnsmasq), the OS-image HTTP server and the apt repository on the management network."""

    dnsmasq_image: Image = Field("openvcloud/pxeboot:2.3", description="image with dnsmasq and the TFTP boot files")
    http_image: Image = Field("busybox:1.36", description="serves the OS install images (busybox httpd)")
    apt_image: Image = Field("nginx:1.12", description="serves the apt repository")
    interface: Interface = "mgmt"
    node_label: LabelKey = Field("openvcloud.io/pxeboot", description="PxeBoot runs only on controllers labelled <node_label>=true")
    dhcp_range_start: IPv4
    dhcp_range_end: IPv4
    lease_time: str = Field("12h", pattern=r"^[0-9]+[smhd]?$|^infinite$")
    gateway: Optional[IPv4] = None
    next_server: Optional[IPv4] = Field(None, description="TFTP server given to clients; default: the node running dnsmasq")
    reservations: list[Reservation] = Field(default_factory=list)
    host_path: HostPath = "/var/ovc/pxeboot"
    http_port: UnprivilegedPort = 8080
    apt_port: UnprivilegedPort = 8081
    bios_boot_file: str = Field("pxelinux.0", pattern=r"^[A-Za-z0-9._/-]+$")
    uefi_boot_file: str = Field("bootx64.efi", pattern=r"^[A-Za-z0-9._/-]+$")
    privileged: bool = Field(False, description="run dnsmasq privileged instead of with NET_ADMIN, NET_BIND_SERVICE, NET_RAW")
    dnsmasq_resources: Resources = resources("20m", "32Mi", "500m", "128Mi")
    http_resources: Resources = resources("10m", "16Mi", "500m", "128Mi")


class ServiceSettings(StrictModel):
    """One of the remaining controller pods of seed 001 (management, zero-access, uptime-monitor, qa)."""

    enabled: bool = True
    image: Image
    exposure: list[ExposureName] = Field(default_factory=lambda: ["internal"])
    node_port: Optional[NodePort] = None
    resources: Resources = resources("50m", "128Mi", "1", "512Mi")


class ManagementSettings(ServiceSettings):
    image: Image = "openvcloud/management:2.3"
    node_port: Optional[NodePort] = Field(32205, description="NodePort of SSH (port 2205)")


class UptimeMonitorSettings(ServiceSettings):
    image: Image = "openvcloud/uptime-monitor:2.3"
    node_port: Optional[NodePort] = 30950


class QaSettings(ServiceSettings):
    enabled: bool = False
    image: Image = "openvcloud/qa:2.3"
    exposure: list[ExposureName] = Field(default_factory=list)


class ZeroAccessSettings(ServiceSettings):
    image: Image = "openvcloud/0-access:2.3"
    exposure: list[ExposureName] = Field(default_factory=lambda: ["internal", "kubernetes"])
    node_port: Optional[NodePort] = Field(30722, description="NodePort of SSH (Service port 7022)")
    sessions_host_path: HostPath = "/var/ovc/0-access"
    host_keys_host_path: HostPath = "/var/ovc/0-access-hostkeys"


class VersionsSettings(StrictModel):
    enabled: bool = True
    image: Image = "nginx:1.12"
    exposure: list[ExposureName] = Field(default_factory=lambda: ["kubernetes"])
    node_port: Optional[NodePort] = 30880
    resources: Resources = resources("10m", "16Mi", "200m", "64Mi")


class NodeCapacity(StrictModel):
    """What one controller node can give the G8's pods; the tests check the worst case fits."""

    cpu: Quantity = "8"
    memory: Quantity = "32Gi"


class Environment(StrictModel):
    """One G8: its controller nodes, networks and every component's settings."""

    name: DnsLabel = Field(description="Environment name; chart name and dist file name")
    namespace: DnsLabel = "openvcloud"
    domain: DnsSubdomain = Field(description="Public base domain of the portal")
    management: Management
    nodes: list[Node] = Field(description="The controller nodes (at least 3)")
    image_pull_secrets: list[DnsSubdomain] = Field(
        default_factory=list, description="Existing docker-registry Secrets, e.g. regcred (seed 002)"
    )
    helper_image: Image = Field(
        "busybox:1.36", description="Small image for dependency-wait init containers"
    )
    paths: Paths = Paths()
    node_capacity: NodeCapacity = NodeCapacity()
    mongo: MongoSettings = MongoSettings()
    osis: OsisSettings = OsisSettings()
    portal: PortalSettings = PortalSettings()
    agents: AgentSettings = AgentSettings()
    billing_sync: BillingSyncSettings = BillingSyncSettings()
    influxdb: InfluxSettings = InfluxSettings()
    grafana: GrafanaSettings = GrafanaSettings()
    stats_collector: StatsCollectorSettings = StatsCollectorSettings()
    pxe: Optional[PxeSettings] = Field(None, description="absent: no PxeBoot")
    management_pod: ManagementSettings = ManagementSettings()
    zero_access: ZeroAccessSettings = ZeroAccessSettings()
    uptime_monitor: UptimeMonitorSettings = UptimeMonitorSettings()
    ovc_versions: VersionsSettings = VersionsSettings()
    qa: QaSettings = QaSettings()

    def sync_folders(self) -> list[tuple[str, str, str]]:
        """(id, host path, field) of every folder BillingSync replicates: seed 000's two, Grafana's, the extra ones."""
        return [
            ("billing", self.paths.billing, "paths.billing"),
            ("influx", self.paths.influx, "paths.influx"),
            ("grafana", self.grafana.host_path, "grafana.host_path"),
            ("mongo-backups", self.mongo.backup.host_path, "mongo.backup.host_path"),
        ] + [
            (folder_id, path, field)
            for folder_id, path, field, wanted in (
                ("pxeboot", self.pxe.host_path if self.pxe else "", "pxe.host_path", self.pxe is not None),
                ("0-access", self.zero_access.sessions_host_path, "zero_access.sessions_host_path", self.zero_access.enabled),
                ("0-access-hostkeys", self.zero_access.host_keys_host_path, "zero_access.host_keys_host_path", self.zero_access.enabled),
            )
            if wanted
        ] + [(f.id, f.path, f"billing_sync.folders[{i}]") for i, f in enumerate(self.billing_sync.folders)]

    def node_ports(self) -> dict[str, int]:
        """Every fixed NodePort of this environment, by field path."""
        found: dict[str, int] = {}

        def walk(value: object, path: str) -> None:
            if isinstance(value, BaseModel):
                for field in type(value).model_fields:
                    walk(getattr(value, field), f"{path}.{field}" if path else field)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    walk(item, f"{path}[{index}]")
            elif isinstance(value, int) and path.rsplit(".", 1)[-1].endswith("node_port"):
                found[path] = value

        walk(self, "")
        return found

    def problems(self, *, identities_required: bool = True) -> list[tuple[str, str]]:
        """Cross-field problems as (field path, message); pydantic checks each field alone."""
        found: list[tuple[str, str]] = []
        if len(self.nodes) < 3:
            found.append(("nodes", f"{len(self.nodes)} node(s) given; a G8 needs at least 3 controller nodes"))
        network = ipaddress.IPv4Network(self.management.cidr)
        seen: dict[tuple[str, str], int] = {}
        for index, node in enumerate(self.nodes):
            for field in ("name", "management_ip", "public_ip"):
                value = getattr(node, field)
                kind = "ip" if field.endswith("_ip") else "name"
                if (kind, value) in seen:
                    found.append((f"nodes[{index}].{field}", f"{value!r} is already used by nodes[{seen[(kind, value)]}]"))
                else:
                    seen[(kind, value)] = index
            if ipaddress.IPv4Address(node.management_ip) not in network:
                found.append((f"nodes[{index}].management_ip", f"{node.management_ip!r} is not inside management.cidr {self.management.cidr}"))
        found.extend(self._sync_problems(identities_required))
        found.extend(self._pxe_problems())
        for field in ("management_pod", "zero_access", "uptime_monitor", "ovc_versions", "qa"):
            settings = getattr(self, field)
            if settings.enabled and {"internal", "public"} & set(settings.exposure) and settings.node_port is None:
                found.append((f"{field}.node_port", "required for an internal or public exposure"))
        vhosts: dict[str, int] = {}
        for index, vhost in enumerate(self.portal.virtual_hosts):
            if vhost.name in vhosts:
                found.append((f"portal.virtual_hosts[{index}].name", f"{vhost.name!r} is already used by portal.virtual_hosts[{vhosts[vhost.name]}]"))
            vhosts.setdefault(vhost.name, index)
        ports_seen: dict[int, str] = {}
        for path, port in self.node_ports().items():
            if port in ports_seen:
                found.append((path, f"NodePort {port} is already used by {ports_seen[port]}"))
            else:
                ports_seen[port] = path
        return found


    def _pxe_problems(self) -> list[tuple[str, str]]:
        if self.pxe is None:
            return []
        pxe, found = self.pxe, []
        network = ipaddress.IPv4Network(self.management.cidr)
        start, end = ipaddress.IPv4Address(pxe.dhcp_range_start), ipaddress.IPv4Address(pxe.dhcp_range_end)
        for field, address in (("dhcp_range_start", start), ("dhcp_range_end", end)):
            if address not in network or address in (network.network_address, network.broadcast_address):
                found.append((f"pxe.{field}", f"'{address}' is not a host address inside management.cidr {self.management.cidr}"))
        if start > end:
            found.append(("pxe.dhcp_range_end", f"'{end}' comes before dhcp_range_start '{start}'"))
        controllers = {ipaddress.IPv4Address(n.management_ip): n.name for n in self.nodes}
        for address, name in controllers.items():
            if start <= address <= end:
                found.append(("pxe.dhcp_range_start", f"the range {start}-{end} contains {name}'s management IP {address}"))
        for field in ("gateway", "next_server"):
            value = getattr(pxe, field)
            if value and ipaddress.IPv4Address(value) not in network:
                found.append((f"pxe.{field}", f"{value!r} is not inside management.cidr {self.management.cidr}"))
        macs: dict[str, int] = {}
        ips: dict[str, int] = {}
        names: dict[str, int] = {}
        for index, reservation in enumerate(pxe.reservations):
            where = f"pxe.reservations[{index}]"
            address = ipaddress.IPv4Address(reservation.ip)
            if address not in network:
                found.append((f"{where}.ip", f"{reservation.ip!r} is not inside management.cidr {self.management.cidr}"))
            if address in controllers:
                found.append((f"{where}.ip", f"{reservation.ip!r} is the management IP of controller {controllers[address]}"))
            if reservation.hostname in {n.name for n in self.nodes}:
                found.append((f"{where}.hostname", f"{reservation.hostname!r} is a controller node's name"))
            for seen, key, value in ((macs, "mac", reservation.mac), (ips, "ip", reservation.ip), (names, "hostname", reservation.hostname)):
                if value in seen:
                    found.append((f"{where}.{key}", f"{value!r} is already reserved by pxe.reservations[{seen[value]}]"))
                seen.setdefault(value, index)
        if pxe.http_port == pxe.apt_port:
            found.append(("pxe.apt_port", f"{pxe.apt_port} is already the http_port"))
        return found

    def _sync_problems(self, identities_required: bool) -> list[tuple[str, str]]:
        if not self.billing_sync.enabled:
            return []
        found = []
        for index, node in enumerate(self.nodes):
            if node.syncthing_device_id is None and identities_required:
                found.append((f"nodes[{index}].syncthing_device_id",
                              "required while billing_sync is enabled; run `python -m ovc_constructs syncthing-identities`"))
        mongo = PurePosixPath(self.mongo.host_path)
        ids: dict[str, str] = {}
        paths: dict[str, str] = {}
        for folder_id, path, field in self.sync_folders():
            extra = field.startswith("billing_sync.")
            folder = PurePosixPath(path)
            if folder == mongo or mongo in folder.parents or folder in mongo.parents:
                found.append((f"{field}.path" if extra else field,
                              f"{path!r} overlaps the MongoDB data in {self.mongo.host_path}; MongoDB is replicated by its replica set, never synced"))
            for seen, key, value in ((ids, "id", folder_id), (paths, "path", path)):
                if value in seen and extra:
                    found.append((f"{field}.{key}", f"{value!r} is already synced as folder {seen[value]!r}"))
                seen.setdefault(value, folder_id)
        return found


class InvalidEnvironment(Exception):
    """An environment file with problems; `lines` are `FILE: field.path: message`."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        return [f"{self.source}: {path}: {message}" if path else f"{self.source}: {message}" for path, message in self.problems]



def _field_path(loc: tuple) -> str:
    """`nodes[1].management_ip`; keys that are not plain names are quoted, so one problem stays one line."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z0-9_-]+", part):
            path += f".{part}" if path else part
        else:
            path += f"[{part!r}]"
    return path


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "extra_forbidden":
        return f"unknown key (value {error['input']!r}); check the spelling against docs/environment.schema.json"
    if kind == "missing":
        return "required field is missing"
    return f"{error['msg']} (got {error['input']!r})"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep)


def parse_environment(data: object, source: str = "<environment>", *, identities_required: bool = True) -> Environment:
    """Validate already-loaded data; raise InvalidEnvironment with every problem found."""
    if not isinstance(data, dict):
        raise InvalidEnvironment(source, [("", f"the file must hold a YAML mapping, not {type(data).__name__}")])
    try:
        environment = Environment.model_validate(data)
    except ValidationError as error:
        raise InvalidEnvironment(source, [(_field_path(e["loc"]), _message(e)) for e in error.errors()]) from None
    problems = environment.problems(identities_required=identities_required)
    if problems:
        raise InvalidEnvironment(source, problems)
    return environment


def load_environment(path: str | Path, *, identities_required: bool = True) -> Environment:
    """Read and validate one environment file; raise InvalidEnvironment naming the file and fields."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidEnvironment(source, [("", f"cannot read the file: {error}")]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InvalidEnvironment(source, [("", f"{where}not valid YAML: {problem}")]) from None
    return parse_environment(data, source, identities_required=identities_required)
