"""`import-config`: an installer-managed G8's `system-config.yaml` as an environment file (contract §7, §8).

What the installer format holds is carried over; its secret values are not: the environment names the
Secrets, and `secret_commands` prints the `kubectl` commands that build them from the input file when
they run (each value is read by `config-value` at that moment, never copied into a file or the repo).
Every problem is reported at the system config's own field: `check_imported` translates the environment's
field paths back through `ORIGINS`, next to the conversion that made them.
"""
from __future__ import annotations

import ipaddress
import json
import re
import shlex
from importlib import resources as package_files
from pathlib import Path
from typing import Callable, Optional, Union

from ..environment import Environment, InvalidEnvironment, Release, SecretRef, floating_pins, parse_environment, read_yaml
from .processed import INSTALLER_NETWORK, SecretField, dotted, processed_config

SCHEMA = package_files.files("ovc_constructs") / "installer" / "system-config.schema.json"
DEFAULT_DIRECTORIES = {
    "/var/ovc/billing", "/var/ovc/influxdb", "/var/ovc/mongodb", "/var/ovc/pxeboot", "/var/ovc/0-access-hostkeys",
    "/var/ovc/grafana", "/var/ovc/0-access", "/var/ovc/ssl", "/var/ovc/.ssh", "/var/ovc/updatelogs",
}
"""The installer's own host directories (§1.3); only the operator's extra ones are carried over."""
CONFIG_VALUE = "python3 -m ovc_constructs config-value"

def tls_secret(certificate: str) -> str:
    return f"tls-{certificate.lower()}"


def schema_problems(config: object) -> list[tuple[str, str]]:
    """Every violation of the installer's schema (written from contract §7), as (field path, message)."""
    import jsonschema

    validator = jsonschema.Draft6Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return [(dotted(tuple(e.absolute_path)), e.message) for e in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))]


def load_system_config(path: Path) -> dict:
    """Read and check an installer system config; InvalidEnvironment names the file and each field."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InvalidEnvironment(str(path), [("", f"the file must hold a YAML mapping, not {type(data).__name__}")])
    problems = schema_problems(data)
    if problems:
        raise InvalidEnvironment(str(path), problems)
    return data


def public_key(ssh: dict, source: str) -> str:
    """`ssh.public-key` if the config has it (processed configs do), else derived from the private key."""
    if ssh.get("public-key"):
        return ssh["public-key"].strip()
    from cryptography.hazmat.primitives import serialization

    text = ssh["private-key"].encode()
    for load in (serialization.load_ssh_private_key, serialization.load_pem_private_key):
        try:
            key = load(text, password=None)
        except (ValueError, TypeError):
            continue
        return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    raise InvalidEnvironment(source, [("ssh.private-key", "not an unencrypted private key (PEM or OpenSSH), and no ssh.public-key is given")])


def _cidr(text: str) -> str:
    """`10.199.8.0/24`, also from `10.199.8.5/24`; text that is no network stays as it is, for the environment's
    validation to name it."""
    try:
        return str(ipaddress.IPv4Network(text, strict=False))
    except ValueError:
        return text


def _networks(network: dict) -> dict:
    networks: dict = {}
    for name, installer in INSTALLER_NETWORK.items():
        if isinstance(network.get(installer), dict) and "network" in network[installer]:
            entry = {"cidr": _cidr(network[installer]["network"])}
            if "vlan" in network[installer]:
                entry["vlan"] = network[installer]["vlan"]
            if name == "management":
                entry["gateway"] = network[installer]["gateway"]
            networks[name] = entry
    networks["public"] = {k: v for k, v in network.get("public", {}).items() if k in ("gateway", "vlan")}
    networks["providers"] = [{"name": p["name"], "vlan": p["vlan"]} for p in network.get("providers", [])]
    return networks


def _derived(cidr: str, lsb: Optional[int]) -> Optional[str]:
    """`<network address + ip-lsb>`, or None when either is unusable (the environment's validation names it)."""
    if lsb is None:
        return None
    try:
        return str(ipaddress.IPv4Network(cidr).network_address + lsb)
    except ValueError:
        return None


def _node(node: dict, networks: dict) -> dict:
    entry: dict = {"name": node["name"], "roles": list(node.get("roles", []))}
    if "ip-lsb" in node:
        entry["ip_lsb"] = node["ip-lsb"]
    addresses = {}
    for name, installer in INSTALLER_NETWORK.items():
        given = node.get(installer, {}).get("ipaddress") if isinstance(node.get(installer), dict) else None
        if given and name in networks:
            address = given.split("/")[0]
            if address != _derived(networks[name]["cidr"], node.get("ip-lsb")):
                addresses[name] = address
    if addresses:
        entry["addresses"] = addresses
    if node.get("fallback"):
        entry["public_ip"] = node["fallback"]["ipaddress"]
    if node.get("management", {}).get("macaddress"):
        entry["management_mac"] = node["management"]["macaddress"].lower()
    if node.get("ipmi", {}).get("macaddress"):
        entry["ipmi"] = {"mac": node["ipmi"]["macaddress"].lower(), "username": node["ipmi"]["username"]}
    return entry


def _pxe(environment: dict) -> Optional[dict]:
    """PxeBoot on `mgmt` (contract §3.11): it reserves and names every node from `nodes`; none in a converged G8."""
    if any(len(n["roles"]) > 1 and "controller" in n["roles"] for n in environment["nodes"]):
        return None
    return {"interface": "mgmt"}


def _extra_directories(config: dict) -> list[tuple[int, dict]]:
    """The operator's own `directories` entries (not the installer's defaults), with their index in the file."""
    return [(index, d) for index, d in enumerate(config.get("directories", []))
            if d.get("path", "").rstrip("/") not in DEFAULT_DIRECTORIES]


def to_environment(config: dict, source: str) -> tuple[dict, list[str]]:
    """The environment data and notes for the operator; its values are checked by `check_imported`."""
    env, network = config["environment"], config["network"]
    networks = _networks(network)
    nodes = [_node(n, networks) for n in config["nodes"]]
    notes: list[str] = []
    data: dict = {
        "name": env["subdomain"],
        "grid_id": env["grid"]["id"],
        "subdomain": env["subdomain"],
        "basedomain": env["basedomain"],
        "networks": networks,
        "nodes": nodes,
        "ssh": {"public_key": public_key(config["ssh"], source)},
        "itsyouonline": {"client_id": config["itsyouonline"]["clientId"], "environment": config["itsyouonline"]["environment"]},
        "mail": {k: config["mailclient"][k] for k in ("server", "port", "login", "sender")},
        "certificates": dict(env["ssl"]),
        "ovs": {"type": env["type"], **{k: env[f"ovs_{k}"] for k in ("repo_url", "version") if env.get(f"ovs_{k}")}},
        "timezone": config["timezone"],
    }
    if env.get("user"):
        data["admin_user"] = env["user"]
    if config.get("support"):
        github = config["support"]["github"]
        data["support"] = {"github": {"client_id": github["client_id"], "teams": github["teams"]}}
    if config.get("alerta"):
        data["alerta"] = {"api_url": config["alerta"]["api_url"]}
    if config.get("limits"):
        data["limits"] = config["limits"]
    cisco = []
    for switch in network.get("cisco", []):
        cisco.append({k: v for k, v in switch.items() if k != "password"})
    data["switches"] = {"cisco": cisco, "mellanox": network.get("mellanox", {})}
    data["portal"] = {"tls": {"mode": "secret"}}
    # The installer's InfluxDB host path (contract §1.3, §3.7): the G8's existing statistics stay where they are.
    data["paths"] = {"influx": "/var/ovc/influxdb"}
    notes += [f"environment.ssl names certificate {name!r}, which certificates does not hold: create Secret {tls_secret(name)} yourself"
              for name in sorted(set(env["ssl"].values())) if name not in config["certificates"]]
    extra = [d for _, d in _extra_directories(config)]
    folders = [{"id": re.sub(r"[^a-z0-9-]+", "-", d["path"].rstrip("/").rsplit("/", 1)[-1].lower()).strip("-") or "folder", "path": d["path"]}
               for d in extra if d.get("sync")]
    if folders:
        data["billing_sync"] = {"folders": folders}
    notes += [f"directories entry {d['path']} (sync: false) is not carried over: prepare it on the controllers yourself"
              for d in extra if not d.get("sync")]
    pxe = _pxe(data)
    if pxe:
        data["pxe"] = pxe
    pins = floating_pins(Release().version, {})
    if pins:
        data["release"] = {"images": pins}
        notes += [f"release {Release().version} gives {name} the tag 'latest'; pinned to {tag}" for name, tag in pins.items()]
    return data, notes


def _network(match: re.Match, config: dict) -> str:
    return f"network.{INSTALLER_NETWORK.get(match[1], match[1])}"


def _synced_directory(match: re.Match, config: dict) -> str:
    synced = [index for index, d in _extra_directories(config) if d.get("sync")]
    return f"directories[{synced[int(match[1])]}].path"


ORIGINS: list[tuple[str, Union[str, Callable[[re.Match, dict], str]]]] = [
    (r"name|subdomain", "environment.subdomain"),
    (r"grid_id", "environment.grid.id"),
    (r"basedomain", "environment.basedomain"),
    (r"admin_user", "environment.user"),
    (r"certificates", "environment.ssl"),
    (r"ovs\.type", "environment.type"),
    (r"ovs\.(repo_url|version)", r"environment.ovs_\1"),
    (r"networks\.(\w+)\.cidr", lambda m, c: _network(m, c) + ".network"),
    (r"networks\.(\w+)", _network),
    (r"switches", "network"),
    (r"nodes\[(\d+)\]\.ip_lsb", r"nodes[\1].ip-lsb"),
    (r"nodes\[(\d+)\]\.addresses\.(\w+)", lambda m, c: f"nodes[{m[1]}].{INSTALLER_NETWORK.get(m[2], m[2])}.ipaddress"),
    (r"nodes\[(\d+)\]\.public_ip", r"nodes[\1].fallback.ipaddress"),
    (r"nodes\[(\d+)\]\.management_mac", r"nodes[\1].management.macaddress"),
    (r"nodes\[(\d+)\]\.ipmi\.mac", r"nodes[\1].ipmi.macaddress"),
    (r"ssh\.public_key", lambda m, c: "ssh.public-key" if c["ssh"].get("public-key") else "ssh.private-key"),
    (r"itsyouonline\.client_id", "itsyouonline.clientId"),
    (r"mail", "mailclient"),
    (r"billing_sync\.folders\[(\d+)\](?:\.id|\.path)?", _synced_directory),
    (r"namespace", "--namespace"),
]
"""Where each field `to_environment` writes comes from in the system config: an environment path that matches
a pattern becomes the template (or the function's result) followed by the rest of the path (`nodes[1].roles[0]`
and `limits.pods.cpu` are the same in both); a field import-config adds itself keeps its own path. A test walks
every field `to_environment` writes through it, so a new field without its origin here fails."""


def config_field(path: str, config: dict) -> str:
    """The system-config field behind the environment field `path` of `to_environment(config)`."""
    for pattern, origin in ORIGINS:
        match = re.fullmatch(rf"(?:{pattern})(?P<rest>(?:[.\[].*)?)", path)
        if match:
            return (origin(match, config) if callable(origin) else match.expand(origin)) + match["rest"]
    return path


def check_imported(data: dict, config: dict, source: str, *, identities_required: bool = True) -> Environment:
    """`parse_environment` of `to_environment`'s data, each problem named at the system config's field (the field
    paths in the message too: `networks.management.cidr` is `network.management.network`)."""
    try:
        return parse_environment(data, source, identities_required=identities_required)
    except InvalidEnvironment as error:
        def in_config_terms(message: str) -> str:
            return re.sub(r"\b(?:networks|nodes)(?:\.\w+|\[\d+\])+", lambda m: config_field(m[0], config), message)
        problems = [(config_field(path, config), in_config_terms(message)) for path, message in error.problems]
        raise InvalidEnvironment(source, list(dict.fromkeys(problems))) from None  # `name` and `subdomain`: one line


def secret_sources(environment: Environment, config: dict) -> list[SecretField]:
    """Every Secret value the imported G8 needs, at its path in `config`: the system config's secret fields
    (the processed config keeps the installer's paths) and each certificate named by `environment.ssl`."""
    certificates = sorted(set(environment.certificates.model_dump().values()) & set(config["certificates"]))
    return processed_config(environment)[1] + [
        SecretField(("certificates", name, part), SecretRef(secret=tls_secret(name), key=f"tls.{part}"), "tls")
        for name in certificates for part in ("crt", "key")
    ]


def secret_commands(secrets: list[SecretField], source: Path, namespace: str) -> str:
    """The `kubectl` commands (bash) that create or update every Secret from the input file when run."""
    quoted = shlex.quote(str(source))
    lines = [f"# Secrets of this G8, read from {source} when these commands run (bash, from the repository root).",
             "set -euo pipefail",
             # A value read inside <(...) that fails would become an empty Secret value: check the reader first.
             f"{CONFIG_VALUE} {quoted} environment.password > /dev/null",
             f"kubectl create namespace {namespace} --dry-run=client -o yaml | kubectl apply -f -"]
    by_secret: dict[str, list[SecretField]] = {}
    for item in secrets:
        by_secret.setdefault(item.ref.secret, []).append(item)
    for name, items in by_secret.items():
        def value(item: SecretField) -> str:
            return f"<({CONFIG_VALUE} {quoted} {shlex.quote(dotted(item.path))})"
        if items[0].group == "tls":
            parts = [f"--cert={value(items[0])}", f"--key={value(items[1])}"]
            kind = "tls"
        else:
            parts = [f"--from-file={item.ref.key}={value(item)}" for item in items]
            kind = "generic"
        lines.append(f"kubectl -n {namespace} create secret {kind} {name} \\\n  " + " \\\n  ".join(parts)
                     + " \\\n  --dry-run=client -o yaml | kubectl apply -f -")
    return "\n".join(lines) + "\n" + ovs_cred_commands(namespace)


INSTALLER_NAMESPACE = "default"
"""Where the installer ran the G8, its Secret `ovs-cred` included (contract §1.1)."""
COPY_OVS_CRED = (
    'import json, sys; data = json.load(sys.stdin)["data"]; missing = {"edgeuser", "edgepassword"} - set(data); '
    f'missing and sys.exit(f"ovs-cred in namespace {INSTALLER_NAMESPACE} has no {{sorted(missing)}}"); '
    'json.dump({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "ovs-cred", '
    '"namespace": sys.argv[1]}, "data": {key: data[key] for key in ("edgeuser", "edgepassword")}}, sys.stdout)')
"""Rewrites the installer's `ovs-cred` for the G8's namespace; the values pass through the pipe, never echoed."""


def ovs_cred_commands(namespace: str) -> str:
    """`ovs-cred` as the grid knows it: kept if the G8's namespace has it, else copied from the installer's
    namespace (the portal bootstrap writes it into the grid's OVS credentials: a new password there would no
    longer be the one Open vStorage was set up with), generated only for a G8 that has neither."""
    return (f"existing=$(kubectl -n {namespace} get secret ovs-cred --ignore-not-found -o name)\n"
            f"installer=$(kubectl -n {INSTALLER_NAMESPACE} get secret ovs-cred --ignore-not-found -o name)\n"
            'if [ -n "$existing" ]; then\n'
            f"  echo 'ovs-cred exists in namespace {namespace}: kept'\n"
            'elif [ -n "$installer" ]; then\n'
            f"  kubectl -n {INSTALLER_NAMESPACE} get secret ovs-cred -o json | python3 -c {shlex.quote(COPY_OVS_CRED)} {namespace} \\\n"
            "    | kubectl create -f -\n"
            "else\n"
            f"  kubectl -n {namespace} create secret generic ovs-cred --from-literal=edgeuser=edgeuser \\\n"
            "    --from-file=edgepassword=<(python3 -c 'import secrets; print(secrets.token_urlsafe(24), end=\"\")')\n"
            "fi\n")


def config_value(config: dict, path: str) -> str:
    """The text at a dotted path such as `nodes[0].ipmi.password` (what the printed commands read)."""
    value: object = config
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        key: Union[str, int] = int(part[1:-1]) if part.startswith("[") else part
        try:
            value = value[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            raise KeyError(f"{path}: no such key in the system config") from None
    if not isinstance(value, (str, int)):
        raise KeyError(f"{path}: not a single value")
    return str(value)
