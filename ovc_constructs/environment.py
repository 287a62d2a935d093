"""The environment file: one YAML document that describes one G8.

This module is the public contract of that file. Every field is typed and validated here; unknown
keys are errors so that a typo is never silently ignored. `docs/environment.schema.json` is
generated from these classes (`python -m ovc_constructs schema`).
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import stat
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal, Optional

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

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
LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
NODE_PORT_RANGE = range(30000, 32768)
MAX_CONTROLLERS = 50
"""MongoDB's limit of replica-set members (one per controller); the largest G8 the tests synthesize."""
MAX_NODES = 256
"""Every node is listed in the system config, the PXE hosts and nginx's upstreams; 256 keeps each object far below 1 MiB."""
MAX_SYNC_FOLDERS = 32
MAX_RESERVATIONS = 256
MAX_VIRTUAL_HOSTS = 64
MAX_SWITCH_BYTES = 64 * 1024
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
SYSTEM_DIRECTORIES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/root", "/run", "/sbin",
                      "/sys", "/usr", "/var/lib/containerd", "/var/lib/docker", "/var/lib/etcd", "/var/lib/kubelet",
                      "/var/log", "/var/run")
"""Host directories never mounted or replicated: neither they, anything inside them, nor a parent (`/`, `/var`, `/var/lib`)."""


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
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid IPv4 network in CIDR form ({error})") from None
    if network.prefixlen < 8:
        raise ValueError(f"{value!r} is larger than a /8; a G8 network is one site's subnet (and 0.0.0.0/0 is the Internet)")
    if network.network_address.is_unspecified or network.is_loopback or network.is_multicast or network.is_link_local \
            or network.is_reserved:
        raise ValueError(f"{value!r} is a 0.0.0.0/8, loopback, link-local, multicast or reserved range, not a network of nodes")
    return str(network)


PRIVATE_RANGES = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))


def _private_network(value: str) -> str:
    if not any(ipaddress.IPv4Network(value).subnet_of(private) for private in PRIVATE_RANGES):
        raise ValueError(f"{value!r} is not a private range (10/8, 172.16/12, 192.168/16 or CGNAT 100.64/10): every "
                         "internal service of the G8 (MongoDB, osis, the agent controller, ...) is published on it")
    return value


def _tag_problem(tag: str) -> Optional[str]:
    """Why an image tag cannot be the label value `app.kubernetes.io/version`, or None."""
    if not LABEL_VALUE.match(tag):
        return (f"the tag {tag!r} becomes the label app.kubernetes.io/version: at most 63 ASCII letters, digits, "
                "'-', '_' and '.', beginning and ending with a letter or digit")
    return None


def _image(value: str) -> str:
    match = IMAGE_REF.match(value)
    if not match or not (match["tag"] or match["digest"]):
        raise ValueError(
            f"{value!r} is not a valid image reference; expected name:tag or name:tag@sha256:<64 hex digits>"
        )
    if match["tag"] and (problem := _tag_problem(match["tag"])):
        raise ValueError(f"{value!r}: {problem}")
    return value


def _release_tag(value: str) -> str:
    if problem := _tag_problem(value.partition("@")[0]):
        raise ValueError(problem)
    return value


def _absolute_path(value: str) -> str:
    path = value.rstrip("/")
    if not value.startswith("/") or path == "" or any(part in ("", ".", "..") for part in path.split("/")[1:]) \
            or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise ValueError(f"{value!r} is not an absolute host path below / (no '.', '..', '//' or control characters)")
    for system in SYSTEM_DIRECTORIES:
        if path == system or path.startswith(system + "/") or system.startswith(path + "/"):
            raise ValueError(f"{value!r} is, contains or lies inside the system directory {system}: a host path is "
                             "mounted into pods and may be replicated to every controller; use a data directory such as /var/ovc/...")
    return path


def _quantity(value: str) -> str:
    if not QUANTITY.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes quantity such as '250m', '1', '512Mi' or '2Gi'")
    return value


CRON_FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()),
               ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
               ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")))


def _cron_field(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    """One cron field: `*`, `*/n`, `a`, `a-b`, `a-b/n` and lists of them; numbers in range or month/day names."""
    def number(item: str) -> Optional[int]:
        if item.lower() in names:
            return names.index(item.lower()) + (low if names[0] == "jan" else 0)
        return int(item) if item.isdigit() and len(item) <= 2 and low <= int(item) <= high else None

    for part in text.split(","):
        span, slash, step = part.partition("/")
        if slash and not (step.isdigit() and len(step) <= 2 and 1 <= int(step) <= high):
            return False
        if span == "*":
            continue
        first, dash, last = span.partition("-")
        start, end = number(first), number(last if dash else first)
        if start is None or end is None or start > end:
            return False
    return True


def _cron(value: str) -> str:
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(f"{value!r} is not a 5-field cron schedule such as '30 2 * * *' (minute hour day month weekday)")
    for text, (name, low, high, names) in zip(fields, CRON_FIELDS):
        if not _cron_field(text, low, high, names):
            raise ValueError(f"{value!r}: the {name} field {text!r} is not *, */n, a number {low}-{high}"
                             f"{' or a name' if names else ''}, a range a-b[/n] or a list of them")
    return value


def _upstream(value: str) -> str:
    if not re.match(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s;{}'\"]*)?$", value):
        raise ValueError(f"{value!r} is not an http(s)://host[:port][/path] upstream URL")
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"{value!r}: a URL is printable ASCII; percent-encode other characters")
    return value


def _resolver(value: str) -> str:
    """Copied into nginx.conf: an IPv4 address or a DNS name whose last label starts with a letter, nothing else."""
    try:
        return _ipv4(value)
    except ValueError:
        pass
    if not re.fullmatch(r"([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z]([-a-z0-9]{0,61}[a-z0-9])?", value) or len(value) > 253:
        raise ValueError(f"{value!r} is neither an IPv4 address nor a DNS name (it is copied into nginx.conf)")
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


def _tftp_path(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*", value) or ".." in value.split("/") or "." in value.split("/"):
        raise ValueError(f"{value!r} is not a file below the TFTP root: a relative path of letters, digits, '.', '_', '-', "
                         "without '..' or a leading '/'")
    return value


def _namespace(value: str) -> str:
    if value in RESERVED_NAMESPACES:
        raise ValueError(f"{value!r} is a Kubernetes system namespace; the G8 gets its own (e.g. openvcloud)")
    return value


def _node_port(value: int) -> int:
    if value not in NODE_PORT_RANGE:
        raise ValueError(f"{value} is outside the NodePort range 30000-32767")
    return value


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
DnsSubdomain = Annotated[str, AfterValidator(_dns_subdomain)]
IPv4 = Annotated[str, AfterValidator(_ipv4)]
IPv4Network = Annotated[str, AfterValidator(_ipv4_network)]
PrivateIPv4Network = Annotated[str, AfterValidator(_ipv4_network), AfterValidator(_private_network)]
Image = Annotated[str, AfterValidator(_image)]
HostPath = Annotated[str, AfterValidator(_absolute_path)]
Quantity = Annotated[str, AfterValidator(_quantity)]
Cron = Annotated[str, AfterValidator(_cron)]
TftpPath = Annotated[str, AfterValidator(_tftp_path)]
NodePort = Annotated[int, AfterValidator(_node_port)]
Upstream = Annotated[str, AfterValidator(_upstream)]
Mac = Annotated[str, AfterValidator(_mac)]
Resolver = Annotated[str, AfterValidator(_resolver)]
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

    @model_validator(mode="after")
    def _request_within_limit(self) -> "Resources":
        for kind in ("cpu", "memory"):
            request, limit = getattr(self, f"{kind}_request"), getattr(self, f"{kind}_limit")
            if _quantity_value(request) > _quantity_value(limit):
                raise ValueError(f"{kind}_request {request!r} is above {kind}_limit {limit!r}; Kubernetes refuses the pod")
        return self

    def problems(self) -> list[tuple[str, str]]:
        """Quantities an environment file may not give (library code may, e.g. for tiny test containers)."""
        found = []
        for kind, (low, high, bounds) in RESOURCE_BOUNDS.items():
            for name in (f"{kind}_request", f"{kind}_limit"):
                value = getattr(self, name)
                if not low <= _quantity_value(value) <= high:
                    found.append((name, f"{value!r} is outside {bounds}: zero or absurd {kind} cannot be scheduled"))
        return found


_SUFFIXES = {"m": Decimal("0.001"), "": Decimal(1), "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
             "T": Decimal(10) ** 12, "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40}
RESOURCE_BOUNDS = {"cpu": (Decimal("0.001"), Decimal(256), "1m-256 CPUs"),
                   "memory": (Decimal(4 * 2 ** 20), Decimal(2 ** 40), "4Mi-1Ti")}


def _quantity_value(value: str) -> Decimal:
    number, suffix = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", value).groups()
    return Decimal(number) * _SUFFIXES[suffix]


def resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> Resources:
    return Resources(cpu_request=cpu, memory_request=memory, cpu_limit=cpu_limit, memory_limit=memory_limit)


Role = Literal["controller", "cpu", "storage"]
NETWORKS = ("management", "backplane", "storage", "vxbackend", "gateway_management", "ipmi")
"""The G8's networks that give every node an address (`<network address + ip_lsb>` unless explicit)."""
SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
G8_SECRET = "g8-secrets"


def _secret_key(value: str) -> str:
    if not SECRET_KEY.match(value):
        raise ValueError(f"{value!r} is not a Secret key (letters, digits, '-', '_' and '.')")
    return value


def _ipv4_interface(value: str) -> str:
    """`a.b.c.d` or `a.b.c.d/prefix` (the installer's `fallback.ipaddress` form)."""
    try:
        interface = ipaddress.IPv4Interface(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address (optionally with /prefix)") from None
    return str(interface) if "/" in value else str(interface.ip)


def _text(value: str) -> str:
    """A one-line value that is copied into generated configuration files."""
    if not value.strip() or any(ord(c) < 32 or c == "\x7f" for c in value) or len(value) > 255:
        raise ValueError(f"{value!r:.80} must be non-empty text on one line, at most 255 characters")
    return value


def _device_id(value: str) -> str:
    from .syncthing import is_valid_device_id

    if not is_valid_device_id(value):
        raise ValueError(f"{value!r} is not a Syncthing device ID (8 groups of 7 base32 characters with valid check characters)")
    return value


def _public_address(value: str) -> str:
    """A public IP (optionally with /prefix): a unicast address a host can hold, not its subnet's network or broadcast."""
    interface = ipaddress.IPv4Interface(value)
    address = interface.ip
    if address.is_unspecified or address.is_loopback or address.is_multicast or address.is_link_local \
            or address.is_reserved or address == ipaddress.IPv4Address("255.255.255.255"):
        raise ValueError(f"{value!r} is an unspecified, loopback, link-local, multicast, reserved or broadcast address; "
                         "public services are published on it")
    network = interface.network
    if network.prefixlen < 31 and address in (network.network_address, network.broadcast_address):
        raise ValueError(f"{value!r} is the network or broadcast address of {network}")
    return value


SecretKey = Annotated[str, AfterValidator(_secret_key)]
IPv4Interface = Annotated[str, AfterValidator(_ipv4_interface)]
PublicInterface = Annotated[str, AfterValidator(_ipv4_interface), AfterValidator(_public_address)]
PublicAddress = Annotated[str, AfterValidator(_ipv4), AfterValidator(_public_address)]
Text = Annotated[str, AfterValidator(_text)]
DeviceId = Annotated[str, AfterValidator(_device_id)]
CertificateName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9]{1,63}$")]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]


class SecretRef(StrictModel):
    """A secret value: only the Secret's name and key appear in files and output, never the value."""

    secret: DnsSubdomain = G8_SECRET
    key: SecretKey


def secret_ref(key: str) -> SecretRef:
    return SecretRef(key=key)


class Network(StrictModel):
    cidr: IPv4Network
    vlan: Optional[int] = Field(default=None, ge=0, le=4094)


class InternalNetwork(Network):
    cidr: PrivateIPv4Network


class ManagementNetwork(InternalNetwork):
    gateway: IPv4 = Field(description="floating gateway address of the management network (PXE, DHCP router)")


class PublicNetwork(StrictModel):
    gateway: Optional[PublicAddress] = None
    vlan: Optional[int] = Field(default=None, ge=0, le=4094)


class Provider(StrictModel):
    name: Text
    vlan: int = Field(ge=0, le=4094, description="0 means untagged")


POD_NETWORK_CIDR = "10.244.0.0/16"
"""flannel's network, which the historical installer applies (its scripts/kubernetes/flannel/flannel.yml)."""


class PodNetwork(StrictModel):
    """The cluster's pod network; no node takes an address on it from this file."""

    cidr: PrivateIPv4Network = Field(
        default=POD_NETWORK_CIDR,
        description="the CNI's pod CIDR: kube-proxy masquerades clients of the single-instance internal services to a node's "
                    "address on it, so their NetworkPolicies admit it",
    )


class Networks(StrictModel):
    """The G8's networks (contract §7). Only `management` is required; nodes dial the controllers on `backplane`."""

    management: ManagementNetwork
    backplane: Optional[InternalNetwork] = Field(default=None, description="the nodes' --masterips: internal services are published here too")
    storage: Optional[Network] = None
    vxbackend: Optional[Network] = None
    gateway_management: Optional[Network] = None
    ipmi: Optional[Network] = None
    public: PublicNetwork = PublicNetwork()
    providers: list[Provider] = Field(default_factory=list)
    pods: PodNetwork = PodNetwork()


class NodeAddresses(StrictModel):
    """Explicit per-network addresses; each overrides `<network address + ip_lsb>`."""

    management: Optional[IPv4] = None
    backplane: Optional[IPv4] = None
    storage: Optional[IPv4] = None
    vxbackend: Optional[IPv4] = None
    gateway_management: Optional[IPv4] = None
    ipmi: Optional[IPv4] = None


class Ipmi(StrictModel):
    mac: Mac
    username: Text
    password: Optional[SecretRef] = Field(default=None, description="default: Secret g8-secrets, key ipmi-password-<node name>")


class Node(StrictModel):
    """One physical node of the G8; controllers are also the Kubernetes nodes of that name."""

    name: DnsSubdomain
    roles: list[Role] = Field(min_length=1, description="controller, cpu and/or storage")
    ip_lsb: Optional[int] = Field(default=None, ge=1, le=65534, description="added to each network's address to give this node's address")
    addresses: NodeAddresses = NodeAddresses()
    public_ip: Optional[PublicInterface] = Field(default=None, description="public (fallback) address, a.b.c.d[/prefix]; required for controllers")
    management_mac: Optional[Mac] = None
    ipmi: Optional[Ipmi] = None
    syncthing_device_id: Optional[DeviceId] = Field(
        default=None, description="controllers: public ID of the node's BillingSync identity (python -m ovc_constructs syncthing-identities)"
    )

    @property
    def is_controller(self) -> bool:
        return "controller" in self.roles

    def ipmi_password(self) -> SecretRef:
        return (self.ipmi.password if self.ipmi else None) or secret_ref(f"ipmi-password-{self.name}")


class GithubTeam(StrictModel):
    org_name: Text
    team_name: Text


class Github(StrictModel):
    client_id: Text
    teams: list[GithubTeam] = Field(default_factory=list)
    client_secret: SecretRef = secret_ref("github-client-secret")


class Support(StrictModel):
    """Support access (the historical Teleport GitHub connector)."""

    github: Github


class ItsYouOnline(StrictModel):
    """The G8's itsyou.online organization: portal login, OAuth clients and 0-access."""

    client_id: Identifier
    environment: Identifier = Field(description="API key label `openvcloud-<environment>`, location code and grid name")
    client_secret: SecretRef = secret_ref("itsyouonline-client-secret")


class Mail(StrictModel):
    server: DnsSubdomain
    port: int = Field(default=587, ge=1, le=65535)
    login: Text
    sender: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]
    password: SecretRef = secret_ref("mailclient-password")


class Ssh(StrictModel):
    """The G8's root SSH key: the private half in a Secret, the public half in the system config."""

    public_key: Optional[Annotated[str, Field(pattern=r"^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [ -~]*)?$")]] = None
    private_key: SecretRef = secret_ref("ssh-private-key")


class Certificates(StrictModel):
    """The certificate name per role (`environment.ssl.*`); each is the TLS Secret `tls-<name, lowercase>`."""

    root: CertificateName = "root"
    ovs: CertificateName = "ovs"
    novnc: CertificateName = "novnc"
    defense: CertificateName = "defense"


class Alerta(StrictModel):
    api_url: Upstream
    api_key: SecretRef = secret_ref("alerta-api-key")


class CgroupLimit(StrictModel):
    cpu: Optional[Annotated[str, Field(pattern=r"^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$")]] = Field(default=None, description="cpuset, e.g. 0-3")
    memory: Optional[int] = Field(default=None, ge=1)


class Limits(StrictModel):
    pods: Optional[CgroupLimit] = None
    ovs: Optional[CgroupLimit] = None


class Ovs(StrictModel):
    """Open vStorage sizing and packages (`environment.type`, `ovs_repo_url`, `ovs_version`)."""

    type: Literal["small", "medium", "large", "conv"] = "small"
    repo_url: Optional[Upstream] = None
    version: Optional[Text] = None


def _no_secret_values(value: object, path: str = "") -> object:
    """Switch sections pass through as they are, so a password key is refused rather than copied."""
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in ("password", "passwd"):
                raise ValueError(f"{path}{key}: no secret values in the environment file; "
                                 f"cisco passwords come from Secret {G8_SECRET}, key cisco-password-<name>")
            _no_secret_values(item, f"{path}{key}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_secret_values(item, f"{path}[{index}].")
    return value


PassThrough = Annotated[dict, AfterValidator(_no_secret_values)]


class Switches(StrictModel):
    """The installer's switch sections (`network.cisco`, `network.mellanox`), copied into the system config."""

    cisco: list[PassThrough] = Field(default_factory=list)
    mellanox: PassThrough = Field(default_factory=dict)


class Release(StrictModel):
    """Which release's images run: a shipped manifest (`version`), with `images` overriding or adding tags."""

    version: Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")] = "2.4.5.3"
    url: Optional[Upstream] = Field(default=None, description="where the manifest comes from; default: the public release manifest")
    images: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._/-]{0,127}$")], Annotated[str, Field(
        pattern=r"^\w[\w.-]*(@sha256:[0-9a-f]{64})?$"), AfterValidator(_release_tag)]] = Field(
        default_factory=dict, description="image name -> tag[@sha256:digest], exactly as the release manifest keys them")


class Paths(StrictModel):
    """Host paths shared by several components (seed 000)."""

    billing: HostPath = Field(default="/var/ovc/billing", description="capnp billing files, synced to all nodes")
    influx: HostPath = Field(default="/var/ovc/influx", description="InfluxDB data, synced to all nodes")
    ssh: HostPath = Field(default="/var/ovc/.ssh", description="the G8's root SSH key pair, mounted at /root/.ssh (mode 0700)")


class MongoBackup(StrictModel):
    """The nightly dump of the replica set (a CronJob): when it runs, how many days of dumps stay, where they go."""

    schedule: Cron = "30 2 * * *"
    retention_days: int = Field(default=7, ge=1, le=365)
    host_path: HostPath = "/var/ovc/backups/mongodb"


class MongoSettings(StrictModel):
    """ReplicatedMongo: its image, each member's local volume (host path and size), resources and backup."""

    image: Image = "mongo:3.4"
    host_path: HostPath = Field(default="/var/ovc/mongodb", description="local PersistentVolume path on every node")
    storage_size: Quantity = "20Gi"
    resources: Resources = resources("250m", "512Mi", "2", "2Gi")
    backup: MongoBackup = MongoBackup()


class OsisSettings(StrictModel):
    """OsisDaemon: its image, the NodePort of osis (5544) and resources."""

    image: Image = "openvcloud/cb_master:2.4.5.3"
    node_port: NodePort = 30544
    resources: Resources = resources("100m", "256Mi", "1", "1Gi")


class TlsSettings(StrictModel):
    """Where the web front's certificates come from: one TLS Secret `tls-<name>` per distinct name in `certificates`,
    written by cert-manager or existing (never a key in the output)."""

    mode: Literal["cert-manager", "secret"] = Field(
        default="cert-manager", description="cert-manager: one Certificate per distinct certificate name; secret: the Secrets exist")
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
    """An extra public name `<name>.<domain>` that nginx proxies to `upstream` (with the root certificate)."""

    name: DnsLabel
    upstream: Upstream


class PortalSettings(StrictModel):
    """The web front (nginx: UI, jslib, the portal, ovs/novnc/defense) and the portal; the portal's code is the image's."""

    nginx_image: Image = "openvcloud/nginx:2.4.5"
    portal_image: Image = "openvcloud/cb_master:2.4.5.3"
    redis_image: Image = "redis:3.2"
    public: PublicSettings = PublicSettings()
    tls: TlsSettings = TlsSettings()
    maintenance: bool = Field(default=False, description="serve a maintenance page (503) for everything but /jslib, without ovs/novnc/defense (upgrades)")
    virtual_hosts: list[VirtualHost] = Field(default_factory=list, description="extra names <name>.<fqdn> proxied to an upstream")
    dns_resolver: Resolver = Field(
        default="kube-dns.kube-system.svc.cluster.local",
        description="DNS server (IPv4 address or DNS name) nginx uses to resolve Grafana, 0-access and virtual hosts at request time",
    )
    nginx_resources: Resources = resources("50m", "64Mi", "1", "256Mi")
    portal_resources: Resources = resources("200m", "512Mi", "2", "2Gi")
    jsagent_resources: Resources = resources("100m", "256Mi", "1", "1Gi")
    redis_resources: Resources = resources("20m", "32Mi", "500m", "160Mi")

    @staticmethod
    def builtin_server_names(fqdn: str) -> dict[str, list[str]]:
        """The web front's own names per certificate role (contract §9; the portal registers exactly these)."""
        return {"root": [fqdn, f"www.{fqdn}"], "ovs": [f"ovs-{fqdn}"], "novnc": [f"novnc-{fqdn}"], "defense": [f"defense-{fqdn}"]}


class AgentSettings(StrictModel):
    """AgentController and GeneralJsAgent: the agent controller, jsagent and redis images, resources."""

    agentcontroller_image: Image = "openvcloud/cb_master:2.4.5.3"
    jsagent_image: Image = "openvcloud/cb_master:2.4.5.3"
    redis_image: Image = "redis:3.2"
    node_port: NodePort = Field(default=30444, description="unused: the agent controller is a single instance, published on the "
                                "controllers' addresses without a NodePort (docs/agents.md); still accepted so older files validate")
    general_jsagent: bool = Field(default=True, description="the general-purpose jsagent of seed 001")
    agentcontroller_resources: Resources = resources("100m", "256Mi", "1", "1Gi")
    jsagent_resources: Resources = resources("100m", "256Mi", "1", "1Gi")
    redis_resources: Resources = resources("20m", "32Mi", "500m", "160Mi")


class SyncFolder(StrictModel):
    """One more folder BillingSync replicates between the controllers: its Syncthing id and host path."""

    id: DnsLabel
    path: HostPath


class BillingSyncSettings(StrictModel):
    """BillingSync: Syncthing's image, the Secret of the nodes' identities, more folders than billing, influx, grafana."""

    enabled: bool = True
    image: Image = "syncthing/syncthing:0.14"
    secret_name: DnsSubdomain = Field(default="billing-sync", description="Secret with <node>-cert.pem, <node>-key.pem and apikey")
    folders: list[SyncFolder] = Field(
        default_factory=list,
        description="folders synced besides billing, influx and grafana (FACTS: pxeboot, ssl, .ssh, 0-access, ...)",
    )
    resources: Resources = resources("50m", "128Mi", "1", "512Mi")


class InfluxSettings(StrictModel):
    """InfluxDb: its image, the database the stats collector writes and Grafana reads, resources."""

    image: Image = "influxdb:1.4"
    database: DnsLabel = "statistics"
    resources: Resources = resources("100m", "256Mi", "2", "2Gi")


class GrafanaSettings(StrictModel):
    """Grafana: its image, the Secret with the admin password, the synced data path, resources."""

    image: Image = Field(default="grafana/grafana:5.0.0", description=(
        "5.0 or later: file provisioning of the datasource and dashboards and the /d/<uid>/<slug> URLs the portal "
        "links first exist in 5.0 (seed 000's 3.1 has neither); 5.0.0 is what release 2.4.5.3 pins"))
    admin_secret: DnsSubdomain = Field(default="grafana-admin", description="existing Secret with key admin-password")
    host_path: HostPath = Field(default="/var/ovc/grafana", description="Grafana's database, synced by BillingSync")
    resources: Resources = resources("50m", "128Mi", "1", "512Mi")


class StatsCollectorSettings(StrictModel):
    """StatsCollector: its image (the release's cb_master) and resources."""

    image: Image = "openvcloud/cb_master:2.4.5.3"
    resources: Resources = resources("50m", "128Mi", "1", "512Mi")


class Reservation(StrictModel):
    """A static DHCP lease and DNS name for a machine that is not a G8 node (the nodes get theirs from `nodes`)."""

    mac: Mac
    ip: IPv4 = Field(description="inside networks.management or networks.ipmi")
    hostname: DnsLabel = Field(description="resolves as <hostname>.<subdomain>")


class PxeSettings(StrictModel):
    """PXE for the G8's cpu and storage nodes: DHCP, DNS and TFTP (dnsmasq), the OS-image HTTP server and the apt
    repository, on the management gateway address (`networks.management.gateway`) put on `interface`."""

    dnsmasq_image: Image = Field(default="openvcloud/pxeboot:2.4.0", description="image with dnsmasq (and busybox ip)")
    http_image: Image = Field(default="openvcloud/pxeboot-httpd:2.4.0", description="serves the OS install images (busybox httpd)")
    init_image: Image = Field(default="openvcloud/pxeboot-init:2.4.0", description="fills the TFTP root and the images from its /source")
    apt_image: Image = Field(default="nginx:1.12", description="serves the apt repository")
    interface: Interface = Field(default="mgmt", description="the controllers' management interface; PxeBoot adds the gateway address to it")
    node_label: LabelKey = Field(default="openvcloud.io/pxeboot", description="PxeBoot runs only on controllers labelled <node_label>=true")
    dhcp_range_start: Optional[IPv4] = Field(default=None, description="absent: only the reservations get addresses (static range)")
    dhcp_range_end: Optional[IPv4] = None
    lease_time: str = Field(default="12h", pattern=r"^[0-9]+[smhd]?$|^infinite$")
    next_server: Optional[IPv4] = Field(default=None, description="TFTP server given to clients; default: the management gateway")
    dns_servers: list[IPv4] = Field(default_factory=lambda: ["8.8.8.8", "8.8.4.4"],
                                    description="upstream DNS servers for names outside <subdomain>")
    reservations: list[Reservation] = Field(
        default_factory=list, description="extra machines that are not G8 nodes; every node's MACs are reserved from nodes[]")
    reinstall: list[DnsSubdomain] = Field(
        default_factory=list, description="cpu or storage nodes that boot the 911 rescue system over PXE (the installer's enable_pxe)")
    ipmi_address: Optional[IPv4] = Field(
        default=None, description="an address on networks.ipmi that PxeBoot adds to `interface` too, so the BMCs get their "
                                  "reserved addresses over DHCP (the IPMI network must reach that interface); absent: names only")
    host_path: HostPath = "/var/ovc/pxeboot"
    http_port: UnprivilegedPort = 8080
    apt_port: UnprivilegedPort = 8081
    bios_boot_file: TftpPath = "pxelinux.0"
    uefi_boot_file: TftpPath = "bootx64.efi"
    privileged: bool = Field(default=False, description="run dnsmasq privileged instead of with NET_ADMIN, NET_BIND_SERVICE, NET_RAW")
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
    """Management: the operations pod; SSH on 2205, its host keys kept on a synced host path."""

    image: Image = "openvcloud/management:2.4.5.3"
    node_port: Optional[NodePort] = Field(default=32205, description="NodePort of SSH (port 2205) for a public exposure")
    host_keys_host_path: HostPath = Field(default="/var/ovc/management-hostkeys", description="sshd's configuration and host keys (synced)")


class UptimeMonitorSettings(ServiceSettings):
    """UptimeMonitor: receives the nodes' heartbeats (9500); its image and the NodePort of a public exposure."""

    image: Image = "openvcloud/cb_master:2.4.5.3"
    node_port: Optional[NodePort] = 30950


class QaSettings(ServiceSettings):
    """The dev team's test runner (contract §3.15): SSH on 22, GitLab runners registered at start."""

    enabled: bool = False
    image: Image = "openvcloud/qa:2.4.5.3"
    exposure: list[ExposureName] = Field(default_factory=list)
    gitlab_secret: DnsSubdomain = Field(default="gitlab-ci", description="existing Secret with keys token and runners")
    authorized_keys_secret: DnsSubdomain = Field(default="tester-keys", description="existing Secret with key authorized_keys (testers' SSH keys)")


class ZeroAccessSettings(ServiceSettings):
    """ZeroAccess: recorded SSH to the nodes, public by default; its sessions and host keys on host paths."""

    image: Image = "openvcloud/0-access:2.4.5"
    exposure: list[ExposureName] = Field(
        default_factory=lambda: ["public", "kubernetes"],
        description="SSH (7022) on the controllers' public IPs, the address 0-access advertises (contract §12)")
    node_port: Optional[NodePort] = Field(default=30722, description="NodePort of SSH (Service port 7022)")
    sessions_host_path: HostPath = "/var/ovc/0-access"
    host_keys_host_path: HostPath = "/var/ovc/0-access-hostkeys"


class VersionsSettings(StrictModel):
    """OvcVersions: the nginx serving the release manifest; its image, exposure and the NodePort of a public exposure."""

    enabled: bool = True
    image: Image = "nginx:1.12"
    exposure: list[ExposureName] = Field(default_factory=lambda: ["kubernetes"])
    node_port: Optional[NodePort] = 30880
    resources: Resources = resources("10m", "16Mi", "200m", "64Mi")


class NodeCapacity(StrictModel):
    """What one controller node can give the G8's pods; the tests check the worst case fits."""

    cpu: Quantity = "8"
    memory: Quantity = "32Gi"


IN_CLUSTER = "in-cluster"
"""The name Argo CD gives the cluster it runs in."""


def _api_url(value: str) -> str:
    if not re.fullmatch(r"https://(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?(/[!-~]*)?", value):
        raise ValueError(f"{value!r:.80} is not a Kubernetes API server URL (https://host[:port][/path], as `argocd cluster list` shows it)")
    return value


class GitOps(StrictModel):
    """Where Argo CD deploys this G8 when the fleet is generated (`python -m ovc_constructs fleet`, docs/fleet.md)."""

    cluster: Optional[Annotated[str, AfterValidator(_text)]] = Field(
        default=None, description="the G8's cluster by its name in Argo CD (`argocd cluster list`); absent, and no server: "
                                  f"{IN_CLUSTER}, the cluster Argo CD runs in")
    server: Optional[Annotated[str, AfterValidator(_api_url)]] = Field(
        default=None, description="the G8's cluster by its API server URL in Argo CD, instead of cluster")
    project: DnsSubdomain = Field(default="default", description="the Argo CD AppProject of the G8's Application")

    @model_validator(mode="after")
    def _one_destination(self) -> "GitOps":
        if self.cluster is not None and self.server is not None:
            raise ValueError("give cluster or server, not both (Argo CD refuses a destination with both)")
        return self

    @property
    def destination(self) -> dict[str, str]:
        """Argo CD's destination `name` or `server` (exactly one)."""
        return {"server": self.server} if self.server is not None else {"name": self.cluster or IN_CLUSTER}


CB_MASTER = "openvcloud/cb_master"
RELEASE_IMAGES: dict[tuple[str, str], str] = {
    ("mongo", "image"): "mongo",
    ("osis", "image"): CB_MASTER,
    ("portal", "nginx_image"): "openvcloud/nginx",
    ("portal", "portal_image"): CB_MASTER,
    ("portal", "redis_image"): "redis",
    ("agents", "agentcontroller_image"): CB_MASTER,
    ("agents", "jsagent_image"): CB_MASTER,
    ("agents", "redis_image"): "redis",
    ("billing_sync", "image"): "syncthing/syncthing",
    ("influxdb", "image"): "influxdb",
    ("grafana", "image"): "grafana/grafana",
    ("stats_collector", "image"): CB_MASTER,
    ("pxe", "dnsmasq_image"): "openvcloud/pxeboot",
    ("pxe", "http_image"): "openvcloud/pxeboot-httpd",
    ("pxe", "init_image"): "openvcloud/pxeboot-init",
    ("management_pod", "image"): "openvcloud/management",
    ("zero_access", "image"): "openvcloud/0-access",
    ("uptime_monitor", "image"): CB_MASTER,
    ("qa", "image"): "openvcloud/qa",
}
"""(environment section, settings field) -> the release manifest's image name (contract §1.5)."""


def default_tags() -> dict[str, str]:
    """The tag each release image has in the settings' own defaults: what a floating `latest` is pinned to."""
    pins: dict[str, str] = {}
    for (section, field), name in RELEASE_IMAGES.items():
        annotation = Environment.model_fields[section].annotation
        settings_type = next(t for t in getattr(annotation, "__args__", (annotation,)) if t is not type(None))
        default = settings_type.model_fields[field].default
        if isinstance(default, str) and ":" in default:
            pins.setdefault(name, default.split(":", 1)[1])
    return pins


def floating_pins(version: str, images: dict[str, str]) -> dict[str, str]:
    """Pins for the images that release `version` (with `images` overrides) leaves on `latest`."""
    from .release import shipped_images

    effective = {**shipped_images(version), **images}
    pins = default_tags()
    return {name: pins[name] for name, tag in sorted(effective.items()) if tag == "latest" and name in pins}


class Environment(StrictModel):
    """One G8: its identity, networks, every node with its roles, and every controller component's settings."""

    name: DnsLabel = Field(description="chart name and dist/<name>.k8s.yaml; default: the subdomain")
    namespace: Annotated[str, AfterValidator(_dns_label), AfterValidator(_namespace)] = "openvcloud"
    grid_id: int = Field(ge=1, le=65535, description="JumpScale grid id (environment.grid.id)")
    subdomain: DnsLabel = Field(description="the G8's label; its FQDN is <subdomain>.<basedomain>")
    basedomain: DnsSubdomain
    release: Release = Release()
    networks: Networks
    nodes: list[Node] = Field(description="every node of the G8 (controllers, cpu and storage nodes)")
    password: SecretRef = Field(default=secret_ref("environment-password"),
                                description="environment.password: osis, agent controller and portal secret, portal admin password")
    admin_user: Optional[DnsLabel] = Field(default=None, description="portal admin user (environment.user); default admin")
    ssh: Ssh = Ssh()
    itsyouonline: ItsYouOnline
    mail: Optional[Mail] = Field(default=None, description="absent: no outgoing mail (the images' 127.0.0.1:25 default)")
    support: Optional[Support] = None
    certificates: Certificates = Certificates()
    alerta: Optional[Alerta] = None
    limits: Optional[Limits] = None
    ovs: Ovs = Ovs()
    timezone: Annotated[str, Field(pattern=r"^[A-Za-z0-9_+/-]{1,64}$")] = "UTC"
    switches: Switches = Switches()
    image_pull_secrets: list[DnsSubdomain] = Field(
        default_factory=list, description="Existing docker-registry Secrets, e.g. regcred (seed 002)"
    )
    helper_image: Image = Field(
        default="busybox:1.36", description="Small image for dependency-wait init containers"
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
    pxe: Optional[PxeSettings] = Field(default=None, description="absent: no PxeBoot")
    management_pod: ManagementSettings = ManagementSettings()
    zero_access: ZeroAccessSettings = ZeroAccessSettings()
    uptime_monitor: UptimeMonitorSettings = UptimeMonitorSettings()
    ovc_versions: VersionsSettings = VersionsSettings()
    qa: QaSettings = QaSettings()
    gitops: GitOps = Field(default=GitOps(), description="where Argo CD deploys this G8 in a fleet (docs/fleet.md)")

    def sync_folders(self) -> list[tuple[str, str, str]]:
        """(id, host path, field) of every folder BillingSync replicates: seed 000's two, Grafana's, the extra ones."""
        return [
            ("billing", self.paths.billing, "paths.billing"),
            ("influx", self.paths.influx, "paths.influx"),
            ("grafana", self.grafana.host_path, "grafana.host_path"),
            ("mongo-backups", self.mongo.backup.host_path, "mongo.backup.host_path"),
            ("ssh", self.paths.ssh, "paths.ssh"),
        ] + [
            (folder_id, path, field)
            for folder_id, path, field, wanted in (
                ("pxeboot", self.pxe.host_path if self.pxe else "", "pxe.host_path", self.pxe is not None),
                ("0-access", self.zero_access.sessions_host_path, "zero_access.sessions_host_path", self.zero_access.enabled),
                ("0-access-hostkeys", self.zero_access.host_keys_host_path, "zero_access.host_keys_host_path", self.zero_access.enabled),
                ("management-hostkeys", self.management_pod.host_keys_host_path, "management_pod.host_keys_host_path",
                 self.management_pod.enabled),
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

    @model_validator(mode="before")
    @classmethod
    def _name_defaults_to_subdomain(cls, data: object) -> object:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("subdomain"), str):
            return {"name": data["subdomain"], **data}
        return data

    @property
    def fqdn(self) -> str:
        return f"{self.subdomain}.{self.basedomain}"

    @property
    def controllers(self) -> list[Node]:
        return [n for n in self.nodes if n.is_controller]

    @property
    def converged(self) -> bool:
        """A controller that is also a cpu or storage node (the installer's `is_conv_env`)."""
        return any(len(n.roles) > 1 for n in self.controllers)

    def address(self, node: Node, network: str) -> Optional[str]:
        """The node's address on `network`: explicit, else `<network address + ip_lsb>`, else None."""
        explicit = getattr(node.addresses, network)
        settings = getattr(self.networks, network)
        if explicit or settings is None or node.ip_lsb is None:
            return explicit
        net = ipaddress.IPv4Network(settings.cidr)
        if node.ip_lsb >= net.num_addresses - 1:
            return None
        return str(net.network_address + node.ip_lsb)

    def images(self) -> dict[str, str]:
        """The release's image tags with the environment's overrides (the versions manifest's `images`)."""
        from .release import shipped_images

        return {**shipped_images(self.release.version), **self.release.images}

    def image(self, name: str) -> str:
        """`name:tag` of an image of the release (contract §1.5: exact-key lookup)."""
        return f"{name}:{self.images()[name]}"

    def with_release_images(self) -> "Environment":
        """A copy whose component settings run the release's images (the settings' own defaults are for library use)."""
        images = self.images()
        updates: dict[str, BaseModel] = {}
        for (section, field), name in RELEASE_IMAGES.items():
            settings = updates.get(section) or getattr(self, section)
            if settings is not None and name in images:
                updates[section] = settings.model_copy(update={field: f"{name}:{images[name]}"})
        return self.model_copy(update=updates)

    def problems(self, *, identities_required: bool = True) -> list[tuple[str, str]]:
        """Cross-field problems as (field path, message); pydantic checks each field alone."""
        found: list[tuple[str, str]] = []
        controllers = self.controllers
        if len(controllers) < 3:
            found.append(("nodes", f"{len(controllers)} controller node(s) given; a G8 needs at least 3 (roles: [controller])"))
        found.extend(self._size_problems())
        found.extend(self._resource_problems())
        found.extend(self._node_problems())
        found.extend(self._pod_network_problems())
        if self.networks.backplane is None and any({"cpu", "storage"} & set(n.roles) for n in self.nodes):
            found.append(("networks.backplane", "required with cpu or storage nodes: nginx reaches their consoles and "
                                                "storage UI on their backplane addresses, and they dial the controllers there"))
        found.extend(self._release_problems())
        found.extend(self._sync_problems(identities_required))
        found.extend(self._pxe_problems())
        for field in ("management_pod", "zero_access", "uptime_monitor", "ovc_versions", "qa"):
            settings = getattr(self, field)
            # A single instance's internal exposure has no NodePort (docs/agents.md#exposure-on-every-controller).
            if settings.enabled and "public" in settings.exposure and settings.node_port is None:
                found.append((f"{field}.node_port", "required for a public exposure"))
        vhosts: dict[str, int] = {}
        builtin = {name for names in PortalSettings.builtin_server_names(self.fqdn).values() for name in names}
        for index, vhost in enumerate(self.portal.virtual_hosts):
            if vhost.name in vhosts:
                found.append((f"portal.virtual_hosts[{index}].name", f"{vhost.name!r} is already used by portal.virtual_hosts[{vhosts[vhost.name]}]"))
            elif f"{vhost.name}.{self.fqdn}" in builtin:
                found.append((f"portal.virtual_hosts[{index}].name", f"{vhost.name}.{self.fqdn} is one of the web front's own names"))
            vhosts.setdefault(vhost.name, index)
        ports_seen: dict[int, str] = {}
        for path, port in self.node_ports().items():
            if port in ports_seen:
                found.append((path, f"NodePort {port} is already used by {ports_seen[port]}"))
            else:
                ports_seen[port] = path
        return found


    def _resource_problems(self) -> list[tuple[str, str]]:
        found = []
        for section in type(self).model_fields:
            settings = getattr(self, section)
            if isinstance(settings, BaseModel):
                for field in type(settings).model_fields:
                    value = getattr(settings, field)
                    if isinstance(value, Resources):
                        found.extend((f"{section}.{field}.{name}", message) for name, message in value.problems())
        return found

    def _size_problems(self) -> list[tuple[str, str]]:
        """What would make an object larger than Kubernetes accepts (docs/reliability.md, Sizes)."""
        found = []
        for field, what, count, limit in (
            ("nodes", "controller nodes", len(self.controllers), MAX_CONTROLLERS), ("nodes", "nodes", len(self.nodes), MAX_NODES),
            ("billing_sync.folders", "folders", len(self.billing_sync.folders), MAX_SYNC_FOLDERS),
            ("pxe.reservations", "reservations", len(self.pxe.reservations) if self.pxe else 0, MAX_RESERVATIONS),
            ("portal.virtual_hosts", "virtual hosts", len(self.portal.virtual_hosts), MAX_VIRTUAL_HOSTS),
        ):
            if count > limit:
                found.append((field, f"{count} {what}; at most {limit} are supported (docs/reliability.md, Sizes: a larger G8 "
                                     "exceeds Kubernetes' object size limits or MongoDB's 50 replica-set members)"))
        switches = len(json.dumps(self.switches.model_dump(), default=str))
        if switches > MAX_SWITCH_BYTES:
            found.append(("switches", f"{switches} bytes; at most {MAX_SWITCH_BYTES // 1024} KiB of switch configuration is supported"))
        return found

    def _node_problems(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        seen: dict[tuple[str, str], int] = {}

        def unique(index: int, field: str, kind: str, value: Optional[str]) -> None:
            if value is None:
                return
            if (kind, value) in seen:
                found.append((f"nodes[{index}].{field}", f"{value!r} is already used by nodes[{seen[(kind, value)]}]"))
            seen.setdefault((kind, value), index)

        for index, node in enumerate(self.nodes):
            where = f"nodes[{index}]"
            unique(index, "name", "name", node.name)
            if len(set(node.roles)) != len(node.roles):
                found.append((f"{where}.roles", f"{node.roles} lists a role twice"))
            for network in NETWORKS:
                settings = getattr(self.networks, network)
                explicit = getattr(node.addresses, network)
                field = f"addresses.{network}" if explicit else "ip_lsb"
                if explicit and settings is None:
                    found.append((f"{where}.addresses.{network}", f"networks.{network} is not defined"))
                    continue
                if settings is None:
                    continue
                address = self.address(node, network)
                net = ipaddress.IPv4Network(settings.cidr)
                if address is None:
                    if node.ip_lsb is not None:
                        found.append((f"{where}.ip_lsb", f"{node.ip_lsb} is beyond the host addresses of networks.{network} {net}"))
                    elif network in ("management", "backplane"):  # nodes dial the controllers there; nginx proxies to nodes there
                        found.append((f"{where}.ip_lsb", f"required (or addresses.{network}): the node needs an address on networks.{network}"))
                    continue
                if ipaddress.IPv4Address(address) not in net or ipaddress.IPv4Address(address) in (net.network_address, net.broadcast_address):
                    found.append((f"{where}.{field}", f"{address!r} is not a host address inside networks.{network}.cidr {net}"))
                unique(index, field, network, address)
            if node.is_controller and node.public_ip is None:
                found.append((f"{where}.public_ip", "required for a controller: public services are published on it"))
            unique(index, "public_ip", "public", node.public_ip.split("/")[0] if node.public_ip else None)
            unique(index, "management_mac", "mac", node.management_mac)
            unique(index, "syncthing_device_id", "syncthing", node.syncthing_device_id)
            unique(index, "ipmi.mac", "mac", node.ipmi.mac if node.ipmi else None)
        return found

    def _release_problems(self) -> list[tuple[str, str]]:
        from .release import shipped_versions

        found: list[tuple[str, str]] = []
        shipped = shipped_versions()
        images = self.images()  # an unshipped version contributes no tags: only release.images
        for (section, field), name in RELEASE_IMAGES.items():
            settings = getattr(self, section)
            if settings is None or not getattr(settings, "enabled", True):
                continue
            if field in settings.model_fields_set:
                found.append((f"{section}.{field}", f"images come from the release manifest; set release.images[{name!r}] instead"))
            tag = images.get(name)
            if tag is None:
                where = f"release {self.release.version}" if self.release.version in shipped else (
                    f"release {self.release.version} is not shipped ({', '.join(shipped)}) and release.images")
                found.append((f"release.images[{name!r}]", f"{where} has no tag for {name}, which {section} runs"))
            elif tag.split("@")[0] == "latest":
                found.append((f"release.images[{name!r}]", f"{name} would float on the tag 'latest' (release {self.release.version}); pin a version here"))
        return found

    def _pod_network_problems(self) -> list[tuple[str, str]]:
        """The pod network may not overlap a G8 network: the single-instance services admit it as forwarded
        clients, so an overlap would admit that network's hosts too, and the CNI's routes would shadow it."""
        pods = ipaddress.IPv4Network(self.networks.pods.cidr)
        return [("networks.pods.cidr", f"{pods} overlaps networks.{name}.cidr {network.cidr}; give the cluster's pod network")
                for name in NETWORKS if (network := getattr(self.networks, name)) is not None
                and pods.overlaps(ipaddress.IPv4Network(network.cidr))]

    def _pxe_problems(self) -> list[tuple[str, str]]:
        if self.pxe is None:
            return []
        if self.converged:
            return [("pxe", "a converged G8 (a controller that is also a cpu or storage node) has no PXE boot, "
                            "as with the installer: remove the pxe section")]
        pxe, found = self.pxe, []
        network = ipaddress.IPv4Network(self.networks.management.cidr)
        ipmi = ipaddress.IPv4Network(self.networks.ipmi.cidr) if self.networks.ipmi else None
        gateway = ipaddress.IPv4Address(self.networks.management.gateway)
        # What the nodes hold already: PxeBoot reserves and names every node's management and IPMI interface.
        owners: dict[str, dict[str, str]] = {"mac": {}, "ip": {}, "hostname": {}}
        names = {n.name for n in self.nodes}
        for index, node in enumerate(self.nodes):
            named = (node.ipmi or node.addresses.ipmi) and self.address(node, "ipmi")
            if f"ipmi-{node.name}" in names and named:
                found.append((f"nodes[{index}].name", f"PxeBoot names the IPMI interface of {node.name} ipmi-{node.name}, "
                                                      f"which is already a node's name"))
            elif named and len(f"ipmi-{node.name.split('.')[0]}") > 63:
                found.append((f"nodes[{index}].name", f"PxeBoot names its IPMI interface ipmi-{node.name}, whose first label "
                                                      "would be longer than 63 characters: shorten the name to 58"))
            owners["hostname"].update({node.name: f"node {node.name}", f"ipmi-{node.name}": f"the IPMI name of node {node.name}"})
            owners["mac"].update({mac: f"the {field} of node {node.name}" for field, mac in
                                  (("management_mac", node.management_mac), ("ipmi.mac", node.ipmi.mac if node.ipmi else None)) if mac})
            owners["ip"].update({address: f"the {net} address of node {node.name}" for net in ("management", "ipmi")
                                 if (address := self.address(node, net))})
        if gateway not in network or gateway in (network.network_address, network.broadcast_address):
            found.append(("networks.management.gateway", f"'{gateway}' is not a host address inside networks.management.cidr {network}"))
        elif str(gateway) in owners["ip"]:
            found.append(("networks.management.gateway", f"'{gateway}' is {owners['ip'][str(gateway)]}; PxeBoot adds the gateway "
                                                          f"to {pxe.interface} of a controller, it must be a spare address"))
        if (pxe.dhcp_range_start is None) != (pxe.dhcp_range_end is None):
            found.append(("pxe.dhcp_range_end", "give both dhcp_range_start and dhcp_range_end, or neither (static range)"))
        fixed = {ipaddress.IPv4Address(self.address(n, 'management')): f"{n.name}'s management IP" for n in self.controllers
                 if self.address(n, 'management')}
        fixed[gateway] = "networks.management.gateway"
        if pxe.dhcp_range_start and pxe.dhcp_range_end:
            start, end = ipaddress.IPv4Address(pxe.dhcp_range_start), ipaddress.IPv4Address(pxe.dhcp_range_end)
            for field, address in (("dhcp_range_start", start), ("dhcp_range_end", end)):
                if address not in network or address in (network.network_address, network.broadcast_address):
                    found.append((f"pxe.{field}", f"'{address}' is not a host address inside networks.management.cidr {network}"))
            if start > end:
                found.append(("pxe.dhcp_range_end", f"'{end}' comes before dhcp_range_start '{start}'"))
            for address, what in fixed.items():
                if start <= address <= end:
                    found.append(("pxe.dhcp_range_start", f"the range {start}-{end} contains {what} {address}"))
        if pxe.next_server and ipaddress.IPv4Address(pxe.next_server) not in network:
            found.append(("pxe.next_server", f"{pxe.next_server!r} is not inside networks.management.cidr {network}"))
        if pxe.ipmi_address:
            address = ipaddress.IPv4Address(pxe.ipmi_address)
            if ipmi is None:
                found.append(("pxe.ipmi_address", "networks.ipmi is not defined"))
            elif address not in ipmi or address in (ipmi.network_address, ipmi.broadcast_address):
                found.append(("pxe.ipmi_address", f"'{address}' is not a host address inside networks.ipmi.cidr {ipmi}"))
            elif str(address) in owners["ip"] or pxe.ipmi_address in {r.ip for r in pxe.reservations}:
                found.append(("pxe.ipmi_address", f"'{address}' is reserved for a machine; PxeBoot adds it to {pxe.interface} "
                                                  "of a controller, it must be a spare address"))
        seen: dict[str, dict[str, int]] = {"mac": {}, "ip": {}, "hostname": {}}
        for index, reservation in enumerate(pxe.reservations):
            where = f"pxe.reservations[{index}]"
            address = ipaddress.IPv4Address(reservation.ip)
            if address not in network and (ipmi is None or address not in ipmi):
                inside = f"networks.management.cidr {network}" + (f" or networks.ipmi.cidr {ipmi}" if ipmi else "")
                found.append((f"{where}.ip", f"{reservation.ip!r} is not inside {inside}"))
            elif address == gateway:
                found.append((f"{where}.ip", f"{reservation.ip!r} is networks.management.gateway"))
            for key in ("mac", "ip", "hostname"):
                value = getattr(reservation, key)
                if value in owners[key]:
                    found.append((f"{where}.{key}", f"{value!r} is {owners[key][value]}; the nodes' reservations come from nodes[], "
                                                    "pxe.reservations are for other machines"))
                elif value in seen[key]:
                    found.append((f"{where}.{key}", f"{value!r} is already reserved by pxe.reservations[{seen[key][value]}]"))
                seen[key].setdefault(value, index)
        nodes = {n.name: n for n in self.nodes}
        listed: dict[str, int] = {}
        for index, name in enumerate(pxe.reinstall):
            node = nodes.get(name)
            problem = (f"{name!r} is already listed as pxe.reinstall[{listed[name]}]" if name in listed
                       else f"{name!r} is not a node of this G8 (nodes[].name)" if node is None
                       else f"{name!r} is a controller; only cpu and storage nodes are reinstalled over PXE" if node.is_controller
                       else f"node {name!r} has no management_mac, which names its boot entry" if not node.management_mac
                       else None)
            if problem:
                found.append((f"pxe.reinstall[{index}]", problem))
            listed.setdefault(name, index)
        if pxe.http_port == pxe.apt_port:
            found.append(("pxe.apt_port", f"{pxe.apt_port} is already the http_port"))
        return found

    def _sync_problems(self, identities_required: bool) -> list[tuple[str, str]]:
        if not self.billing_sync.enabled:
            return []
        found = []
        for index, node in enumerate(self.nodes):
            if node.is_controller and node.syncthing_device_id is None and identities_required:
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
            nested = next((other for _, other, _ in self.sync_folders() if other != path and PurePosixPath(other) in folder.parents), None)
            if nested:
                found.append((f"{field}.path" if extra else field,
                              f"{path!r} lies inside the synced folder {nested!r}; Syncthing folders must not nest"))
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
    if kind in ("model_type", "model_attributes_type") and isinstance(error["input"], (str, int, float)):
        # Most likely a secret value where a reference belongs: say what is expected, never echo the value.
        return "expected a mapping here (for a secret: {secret: NAME, key: KEY}, a reference to a Secret); the value is not shown"
    return f"{error['msg']} (got {error['input']!r})"


MAX_YAML_BYTES = 256 * 1024
"""The largest YAML file read: 40 times the examples (6 kB; the installer's system config too), and still
parsed in about 2 s at worst (a list of 65,000 one-letter items)."""
MAX_YAML_DEPTH = 64
"""The deepest nesting of mappings and lists read (the examples nest 7 deep)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader for hand-written configuration: duplicate keys, anchors and aliases, merge keys, keys that
    are not plain text and nesting deeper than MAX_YAML_DEPTH are refused (each a ConstructorError or
    ComposerError with the line), so no input can expand beyond its size or exhaust the stack."""

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed; an environment file has no need "
                "for them, write each value out", event.start_mark)
        if self.depth >= MAX_YAML_DEPTH and isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as error:  # PyYAML's own: `2001-13-45`, `!!int x`, `!!float` (empty), 5000 digits
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r:.60} as {node.tag.rsplit(':', 1)[-1]}: {error}",
                node.start_mark) from None

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):  # `!!set text`
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping after {node.tag.rsplit(':', 1)[-1]}, found {node.id}", node.start_mark)
        keys = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a list or mapping as a key (`? [a, b]`) is not allowed; keys are names",
                    key_node.start_mark)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (`<<`) are not allowed; write each key out", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key_node.value!r:.60} reads as {type(key).__name__}, not text; "
                    "keys are names (quote it)", key_node.start_mark)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep)


def _yaml_problem(error: Exception, text: str) -> str:
    """One line for a YAML error: `line L, column C: not valid YAML: problem`."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        line, column = mark.line, mark.column
    elif isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow, e.g. a control character
        line = text.count("\n", 0, error.position)
        column = error.position - (text.rfind("\n", 0, error.position) + 1)
    else:
        line = None
    where = f"line {line + 1}, column {column + 1}: " if line is not None else ""
    if isinstance(error, yaml.reader.ReaderError):
        problem = f"the character #x{error.character:04x} is not allowed ({error.reason})"
    else:
        problem = getattr(error, "problem", None) or str(error)
    return f"{where}not valid YAML: {' '.join(str(problem).split())}"


OLD_FORMAT_MESSAGE = (
    "this is the controller-only format of ovc_constructs 0.1 (domain, management, nodes[].management_ip); "
    "a G8 is now described whole: run `python -m ovc_constructs migrate-env {source} --out NEW.yaml "
    "--grid-id N --itsyouonline-client-id ID` (docs/migration.md)"
)


def parse_environment(data: object, source: str = "<environment>", *, identities_required: bool = True) -> Environment:
    """Validate already-loaded data; raise InvalidEnvironment with every problem found."""
    if not isinstance(data, dict):
        raise InvalidEnvironment(source, [("", f"the file must hold a YAML mapping, not {type(data).__name__}")])
    if "subdomain" not in data and ("domain" in data or "management" in data):
        raise InvalidEnvironment(source, [("", OLD_FORMAT_MESSAGE.format(source=source))])
    try:
        environment = Environment.model_validate(data)
    except ValidationError as error:
        raise InvalidEnvironment(source, [(_field_path(e["loc"]), _message(e)) for e in error.errors()]) from None
    problems = environment.problems(identities_required=identities_required)
    if problems:
        raise InvalidEnvironment(source, problems)
    return environment


def read_yaml(path: str | Path) -> object:
    """One YAML document from a file of at most MAX_YAML_BYTES, read by _UniqueKeyLoader; any problem is an
    InvalidEnvironment naming the file and line."""
    source = str(path)
    try:  # O_NONBLOCK: opening a FIFO returns at once (and is refused below) instead of waiting for a writer
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise InvalidEnvironment(source, [("", "not a regular file (a FIFO, device or directory); give an environment file")])
            data = file.read(MAX_YAML_BYTES + 1)  # at most: a huge file ends here
    except OSError as error:
        raise InvalidEnvironment(source, [("", f"cannot read the file: {error.strerror or error}")]) from None
    if len(data) > MAX_YAML_BYTES:
        raise InvalidEnvironment(source, [("", f"larger than {MAX_YAML_BYTES // 1024} KiB; not an environment file")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidEnvironment(source, [("", f"line {line}: not UTF-8 text (byte {data[error.start]:#04x})")]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except Exception as error:  # YAMLError, and whatever else PyYAML lets through: text in, nothing else touched
        raise InvalidEnvironment(source, [("", _yaml_problem(error, text))]) from None


def load_environment(path: str | Path, *, identities_required: bool = True) -> Environment:
    """Read and validate one environment file; raise InvalidEnvironment naming the file and fields."""
    return parse_environment(read_yaml(path), str(path), identities_required=identities_required)
