"""The G8 system config the images read (`/opt/cfg/system/system-config.yaml`, contract §1.4, §7, §8).

The environment file is turned into the historical installer's *processed* format: the operator's keys
plus the derived ones of contract §8.2 (every node's per-network `ipaddress`, `directories`,
`ssh.public-key`). The ConfigMap `system-config` carries it without a single secret value; each
consumer pod merges in, at start, only the secret values it needs, read from their Secrets
(`merge-system-config.py`, one init container), into a pod-local file mounted where the image reads it.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from typing import Sequence, Union

from cdk8s_plus_27 import k8s
from constructs import Construct

from .environment import NETWORKS, Environment, SecretRef, resources
from .files import script
from .pods import config_map_volume, container, empty_dir, mount, security_context

CONFIG_FILE = "system-config.yaml"
CONFIG_DIR = "/opt/cfg/system"
CONFIG_PATH = f"{CONFIG_DIR}/{CONFIG_FILE}"
INSTALLER_NETWORK = {network: network.replace("_", "-") for network in NETWORKS}
"""Our network names -> the installer's (`gateway_management` is `gateway-management`)."""
MERGE_RESOURCES = resources("10m", "32Mi", "200m", "64Mi")
SECRETS_DIR = "/run/g8-secrets"

Path = tuple[Union[str, int], ...]


@dataclass(frozen=True)
class SecretField:
    """A secret value of the system config: where it goes, where it comes from, and who needs it."""

    path: Path
    ref: SecretRef
    group: str

    @property
    def file(self) -> str:
        """Its file name in the pod's projected secret volume."""
        return f"{self.ref.secret}/{self.ref.key}"

    @property
    def dotted(self) -> str:
        return ".".join(f"[{p}]" if isinstance(p, int) else p for p in self.path).replace(".[", "[")


SECRET_GROUPS = {
    "password": "environment.password (osis, agent controller and portal secret)",
    "alerta": "alerta.api_key",
    "itsyouonline": "itsyouonline.clientSecret",
    "mail": "mailclient.passwd",
    "ssh": "ssh.private-key",
    "support": "support.github.client_secret",
    "ipmi": "nodes[].ipmi.password",
    "switches": "network.cisco[].password",
}
"""What a consumer may ask for; each pod gets only the secret values its software reads."""
JUMPSCALE_SECRETS = ("password", "alerta")
"""What the JumpScale configuration step (configure-system.py) reads."""


def _interface(address: str, cidr: str) -> str:
    """`10.199.8.11/24`: the §8.2 form of a derived address."""
    return f"{address}/{ipaddress.IPv4Network(cidr).prefixlen}"


def _node(environment: Environment, index: int, secrets: list[SecretField]) -> dict:
    node = environment.nodes[index]
    entry: dict = {"name": node.name, "roles": list(node.roles)}
    if node.ip_lsb is not None:
        entry["ip-lsb"] = node.ip_lsb
    if node.public_ip:
        entry["fallback"] = {"ipaddress": node.public_ip}
        if environment.networks.public.gateway:
            entry["fallback"]["gateway"] = environment.networks.public.gateway
    for network in NETWORKS:
        address = environment.address(node, network)
        if address:
            entry[INSTALLER_NETWORK[network]] = {"ipaddress": _interface(address, getattr(environment.networks, network).cidr)}
    if node.management_mac:
        entry.setdefault("management", {})["macaddress"] = node.management_mac
    if node.ipmi:
        entry.setdefault("ipmi", {}).update(macaddress=node.ipmi.mac, username=node.ipmi.username)
        secrets.append(SecretField(("nodes", index, "ipmi", "password"), node.ipmi_password(), "ipmi"))
    return entry


def _network(environment: Environment, secrets: list[SecretField]) -> dict:
    networks = environment.networks
    network: dict = {}
    for name in NETWORKS:
        settings = getattr(networks, name)
        if settings is not None:
            entry = {"network": settings.cidr}
            if settings.vlan is not None:
                entry["vlan"] = settings.vlan
            if name == "management":
                entry["gateway"] = networks.management.gateway
            network[INSTALLER_NETWORK[name]] = entry
    network["public"] = networks.public.model_dump(exclude_none=True)
    network["providers"] = [p.model_dump() for p in networks.providers]
    network["cisco"] = [dict(switch) for switch in environment.switches.cisco]
    for index, switch in enumerate(environment.switches.cisco):
        name = str(switch.get("name", index))
        secrets.append(SecretField(("network", "cisco", index, "password"), SecretRef(key=f"cisco-password-{name}"), "switches"))
    network["mellanox"] = dict(environment.switches.mellanox)
    return network


def _directories(environment: Environment) -> list[dict]:
    """The host directories (§1.3) with the sync flag the syncthing tooling reads; MongoDB is never synced."""
    synced = [{"path": path, "sync": True} for _, path, _ in environment.sync_folders()]
    return synced + [{"path": environment.mongo.host_path, "sync": False}]


def processed_config(environment: Environment) -> tuple[dict, list[SecretField]]:
    """The processed system config without secret values, and where each secret value goes."""
    secrets: list[SecretField] = [SecretField(("environment", "password"), environment.password, "password")]
    env_section: dict = {
        "subdomain": environment.subdomain,
        "basedomain": environment.basedomain,
        "grid": {"id": environment.grid_id},
        "ssl": environment.certificates.model_dump(),
        "type": environment.ovs.type,
    }
    if environment.ovs.repo_url:
        env_section["ovs_repo_url"] = environment.ovs.repo_url
    if environment.ovs.version:
        env_section["ovs_version"] = environment.ovs.version
    if environment.admin_user:
        env_section["user"] = environment.admin_user
    mail = environment.mail
    config: dict = {
        "timezone": environment.timezone,
        "environment": env_section,
        "itsyouonline": {"clientId": environment.itsyouonline.client_id, "environment": environment.itsyouonline.environment},
        "mailclient": (
            {"server": mail.server, "port": mail.port, "login": mail.login, "sender": mail.sender}
            if mail else {"server": "127.0.0.1", "port": 25, "login": "", "sender": f"noreply@{environment.fqdn}", "passwd": ""}
        ),
        "ssh": {"public-key": environment.ssh.public_key} if environment.ssh.public_key else {},
        # Certificates live in the TLS Secrets tls-<name>; the images read none of them from this file.
        "certificates": {},
        "network": _network(environment, secrets),
        "nodes": [_node(environment, index, secrets) for index in range(len(environment.nodes))],
        "directories": _directories(environment),
    }
    secrets.append(SecretField(("itsyouonline", "clientSecret"), environment.itsyouonline.client_secret, "itsyouonline"))
    if mail:
        secrets.append(SecretField(("mailclient", "passwd"), mail.password, "mail"))
    secrets.append(SecretField(("ssh", "private-key"), environment.ssh.private_key, "ssh"))
    if environment.support:
        github = environment.support.github
        config["support"] = {"github": {"client_id": github.client_id, "teams": [t.model_dump() for t in github.teams]}}
        secrets.append(SecretField(("support", "github", "client_secret"), github.client_secret, "support"))
    if environment.alerta:
        config["alerta"] = {"api_url": environment.alerta.api_url}
        secrets.append(SecretField(("alerta", "api_key"), environment.alerta.api_key, "alerta"))
    if environment.limits:
        config["limits"] = environment.limits.model_dump(exclude_none=True)
    return config, secrets


class SystemConfig(Construct):
    """ConfigMap `system-config` (no secret values) and the pieces a pod needs to read the merged file.

    `consumer(...)` gives one pod its init container, volumes and mounts: the file is written into a
    pod-local emptyDir, so a subPath or directory mount sees it, and only the secret values the pod's
    software reads (`secrets=` groups of SECRET_GROUPS) are projected into that pod.
    """

    def __init__(self, scope: Construct, id: str, *, environment: Environment, image: str) -> None:
        super().__init__(scope, id)
        self.config, self.secrets = processed_config(environment)
        self.image = image
        self.text = json.dumps(self.config, indent=2, sort_keys=True) + "\n"
        fields = json.dumps([{"path": list(f.path), "file": f.file, "group": f.group} for f in self.secrets], indent=2) + "\n"
        # Readers get the file at pod start only (a subPath never updates): a change must roll their pods.
        self.checksum = hashlib.sha256((self.text + fields).encode()).hexdigest()
        self.config_map = k8s.KubeConfigMap(
            self,
            "config-map",
            metadata=k8s.ObjectMeta(name="system-config", labels={"app.kubernetes.io/name": "system-config"}),
            data={
                # JSON is YAML: every reader (PyYAML) loads it as the installer's YAML.
                CONFIG_FILE: self.text,
                "secret-fields.json": fields,
                "merge-system-config.py": script("merge-system-config.py"),
            },
        )

    def secret_volume(self, groups: Sequence[str]) -> k8s.Volume:
        """Only the secret values of `groups`, as files `<secret>/<key>` (a missing key stops the pod at start)."""
        by_secret: dict[str, list[SecretField]] = {}
        for field in self.secrets:
            if field.group in groups:
                by_secret.setdefault(field.ref.secret, []).append(field)
        sources = [
            k8s.VolumeProjection(secret=k8s.SecretProjection(
                name=secret, items=[k8s.KeyToPath(key=f.ref.key, path=f.file) for f in fields]))
            for secret, fields in sorted(by_secret.items())
        ]
        return k8s.Volume(name="g8-secrets", projected=k8s.ProjectedVolumeSource(sources=sources, default_mode=0o400))

    def consumer(self, groups: Sequence[str] = JUMPSCALE_SECRETS) -> tuple[k8s.Container, list[k8s.Volume]]:
        """The merge init container and the volumes it needs; mount its result with `file_mount` or `dir_mount`."""
        unknown = sorted(set(groups) - set(SECRET_GROUPS))
        if unknown:
            raise ValueError(f"unknown secret group(s) {unknown}; known: {sorted(SECRET_GROUPS)}")
        merge = container(
            "merge-system-config",
            self.image,
            command=["python3", "/opt/ovc/merge-system-config.py", f"/opt/ovc/{CONFIG_FILE}", "/opt/ovc/secret-fields.json",
                     SECRETS_DIR, f"/out/{CONFIG_FILE}", ",".join(sorted(set(groups)))],
            mounts=[mount("system-config-template", "/opt/ovc", read_only=True), mount("g8-secrets", SECRETS_DIR, read_only=True),
                    mount("system-config", "/out")],
            resources=MERGE_RESOURCES,
            # The projected secret files are root's (0400); python3 of the release image (phusion), no capability.
            security=security_context(user=0),
        )
        volumes = [
            config_map_volume("system-config-template", self.config_map.name, mode=0o444),
            self.secret_volume(groups),
            # The merged file holds secret values: in memory, like the Secret volumes it comes from.
            empty_dir("system-config", "1Mi", memory=True),
        ]
        return merge, volumes


def file_mount() -> k8s.VolumeMount:
    """The merged file at `/opt/cfg/system/system-config.yaml` (subPath, contract §1.4)."""
    return mount("system-config", CONFIG_PATH, read_only=True, sub_path=CONFIG_FILE)


def dir_mount(path: str = CONFIG_DIR) -> k8s.VolumeMount:
    """The merged file in a directory (`/opt/cfg/system`, or `/etc/global` for pxeboot-init)."""
    return mount("system-config", path, read_only=True)
