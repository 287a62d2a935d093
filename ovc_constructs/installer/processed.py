"""The historical installer's *processed* system config (contract §7, §8.2), from an environment.

Pure data, no jsii: `import-config` uses it as well as the `SystemConfig` construct. The operator's keys
plus the derived ones (every node's per-network `ipaddress`, `directories`, `ssh.public-key`), without
any secret value; `SecretField`s say where each secret value goes and which Secret key holds it.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Union

from ..environment import NETWORKS, Environment, SecretRef

INSTALLER_NETWORK = {network: network.replace("_", "-") for network in NETWORKS}
"""Our network names -> the installer's (`gateway_management` is `gateway-management`)."""

FieldPath = tuple[Union[str, int], ...]


def dotted(path: FieldPath) -> str:
    """`nodes[0].ipmi.password`: a field path as the error lines and `config-value` write it."""
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


@dataclass(frozen=True)
class SecretField:
    """A secret value of the system config: where it goes, where it comes from, and who needs it."""

    path: FieldPath
    ref: SecretRef
    group: str

    @property
    def file(self) -> str:
        """Its file name in the pod's projected secret volume."""
        return f"{self.ref.secret}/{self.ref.key}"


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
