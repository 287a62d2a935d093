"""import-config: an installer-managed G8's system-config.yaml becomes an environment file that synthesizes
as it is, and the printed kubectl commands build every Secret the chart references from that file."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ovc_constructs.cli import main
from ovc_constructs.installer.importer import config_field, config_value, ovs_cred_commands, schema_problems, to_environment

from .conftest import ROOT, pod_spec

SYSTEM_CONFIGS = sorted((ROOT / "examples" / "system-config").glob("*.yaml"))
FAKE_KUBECTL = """#!/usr/bin/env python3
# Records what `kubectl create secret ... --dry-run=client -o yaml | kubectl apply -f -` would store (in
# KUBECTL_STORE, <name>.json); `get secret` answers from the Secrets that exist before (KUBECTL_CLUSTER, <namespace>/<name>.json).
import base64, json, os, sys
args = sys.argv[1:]
store = os.environ["KUBECTL_STORE"]
namespace = args[args.index("-n") + 1] if "-n" in args else "default"
if "get" in args:
    name = args[args.index("secret") + 1]
    path = os.path.join(os.environ["KUBECTL_CLUSTER"], namespace, name + ".json")
    if not os.path.exists(path):
        sys.exit(0 if "--ignore-not-found" in args else f'Error from server (NotFound): secrets "{name}" not found')
    with open(path) as existing:
        print(f"secret/{name}" if args[args.index("-o") + 1] == "name" else existing.read())
    sys.exit(0)
if "apply" in args or args[:2] == ["create", "-f"]:
    doc = json.loads(sys.stdin.read())
    if doc["kind"] == "Secret":
        with open(os.path.join(store, doc["metadata"]["name"] + ".json"), "w") as out:
            json.dump(doc, out)
    sys.exit(0)
if args[:2] == ["create", "namespace"]:
    print(json.dumps({"kind": "Namespace", "metadata": {"name": args[2]}}))
    sys.exit(0)
assert "secret" in args, args
name = args[args.index("secret") + 2]
data = {}
def read(path):
    with open(path, "rb") as source:
        return base64.b64encode(source.read()).decode()
for arg in args:
    if arg.startswith("--from-file="):
        spec = arg[len("--from-file="):]
        if "=" in spec:
            key, path = spec.split("=", 1)
            data[key] = read(path)
        else:
            for entry in sorted(os.listdir(spec)):
                data[entry] = read(os.path.join(spec, entry))
    elif arg.startswith("--from-literal="):
        key, value = arg[len("--from-literal="):].split("=", 1)
        data[key] = base64.b64encode(value.encode()).decode()
    elif arg.startswith("--cert="):
        data["tls.crt"] = read(arg[len("--cert="):])
    elif arg.startswith("--key="):
        data["tls.key"] = read(arg[len("--key="):])
doc = {"kind": "Secret", "metadata": {"name": name, "namespace": namespace}, "data": data}
if "--dry-run=client" in args:
    print(json.dumps(doc))
else:
    with open(os.path.join(store, name + ".json"), "w") as out:
        json.dump(doc, out)
"""


def ovc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ovc_constructs", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, tuple[Path, str, Path]]:
    """Each example imported into a scratch directory: (environment file, printed commands, identities dir)."""
    results = {}
    for source in SYSTEM_CONFIGS:
        work = tmp_path_factory.mktemp(source.stem)
        out, keys = work / f"{source.stem}.yaml", work / "keys"
        result = ovc("import-config", str(source), "--out", str(out), "--identities", str(keys))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        results[source.stem] = (out, result.stdout, keys)
    return results


@pytest.mark.parametrize("source", SYSTEM_CONFIGS, ids=lambda p: p.stem)
def test_examples_validate_against_the_installer_schema(source):
    assert schema_problems(yaml.safe_load(source.read_text())) == []


@pytest.mark.parametrize("name", [p.stem for p in SYSTEM_CONFIGS])
def test_the_shipped_environment_is_what_import_writes(name, imported):
    """apps/environments/<name>.yaml is the import of examples/system-config/<name>.yaml, no hand edits."""
    out, _, _ = imported[name]
    def without_identities(data: dict) -> dict:
        return {**data, "nodes": [{k: v for k, v in n.items() if k != "syncthing_device_id"} for n in data["nodes"]]}
    written = yaml.safe_load(out.read_text())
    assert without_identities(written) == without_identities(yaml.safe_load((ROOT / "apps" / "environments" / f"{name}.yaml").read_text()))
    assert all(n.get("syncthing_device_id") for n in written["nodes"] if "controller" in n["roles"])


def run_with_fake_kubectl(commands: str, work: Path, existing: dict[str, dict[str, str]]) -> tuple[subprocess.CompletedProcess, dict]:
    """Run printed commands in bash against FAKE_KUBECTL, where the Secrets `existing` ({"<namespace>/<name>": data})
    exist before; the result and the Secrets the commands stored ({name: {"namespace", "data"}}, values decoded)."""
    bin_dir, store, cluster = work / "bin", work / "store", work / "cluster"
    for directory in (bin_dir, store, cluster):
        directory.mkdir()
    for where, data in existing.items():
        (cluster / where).parent.mkdir(exist_ok=True)
        (cluster / f"{where}.json").write_text(json.dumps(
            {"kind": "Secret", "metadata": {"name": where.split("/")[1]}, "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}))
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')  # this venv's python, as `python3`
    (bin_dir / "python3").chmod(0o755)
    script = "\n".join(line for line in commands.splitlines() if not line.startswith("# ")).replace("\\\n", " ")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "KUBECTL_STORE": str(store),
                                 "KUBECTL_CLUSTER": str(cluster), "PYTHONPATH": str(ROOT)})
    stored = {p.stem: json.loads(p.read_text()) for p in store.iterdir()}
    return result, {name: {"namespace": doc["metadata"].get("namespace"), "data": {k: base64.b64decode(v).decode() for k, v in doc["data"].items()}}
                    for name, doc in stored.items()}


@pytest.mark.parametrize("name", [p.stem for p in SYSTEM_CONFIGS])
def test_printed_commands_build_every_referenced_secret_from_the_file(name, imported, all_outputs, tmp_path):
    out, commands, keys = imported[name]
    source = yaml.safe_load((ROOT / "examples" / "system-config" / f"{name}.yaml").read_text())
    result, stored = run_with_fake_kubectl(commands, tmp_path, existing={})
    assert result.returncode == 0, result.stderr
    assert {secret["namespace"] for secret in stored.values()} == {"openvcloud"}
    created = {name: secret["data"] for name, secret in stored.items()}
    g8 = created["g8-secrets"]
    assert g8["environment-password"] == source["environment"]["password"]
    assert g8["itsyouonline-client-secret"] == source["itsyouonline"]["clientSecret"]
    assert g8["ssh-private-key"] == source["ssh"]["private-key"]
    for node in source["nodes"]:
        assert g8[f"ipmi-password-{node['name']}"] == node["ipmi"]["password"]
    for cert in set(source["environment"]["ssl"].values()):
        assert created[f"tls-{cert.lower()}"] == {"tls.crt": source["certificates"][cert]["crt"], "tls.key": source["certificates"][cert]["key"]}
    assert len(created["ovs-cred"]["edgepassword"]) >= 24 and created["ovs-cred"]["edgeuser"] == "edgeuser"
    assert set(created["billing-sync"]) == {p.name for p in keys.iterdir()}
    # Every Secret key the synthesized chart references exists.
    for doc in all_outputs[name]:
        if doc["kind"] not in ("Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"):
            continue
        for volume in pod_spec(doc).get("volumes", []):
            for source_ in volume.get("projected", {}).get("sources", []):
                for item in source_["secret"]["items"]:
                    assert item["key"] in created[source_["secret"]["name"]], (doc["metadata"]["name"], item)
            if "secret" in volume and volume["secret"]["secretName"] != "grafana-admin":  # made by the operator (docs/secrets.md)
                assert volume["secret"]["secretName"] in created, (doc["metadata"]["name"], volume)


INSTALLER_OVS_CRED = {"edgeuser": "edgeuser", "edgepassword": "installer-password-of-the-grid"}


@pytest.mark.parametrize("existing, expected", [
    ({}, "generated"),
    ({"default/ovs-cred": INSTALLER_OVS_CRED}, "copied"),
    ({"openvcloud/ovs-cred": {"edgeuser": "edgeuser", "edgepassword": "already-in-the-g8"}}, "kept"),
    ({"openvcloud/ovs-cred": {"edgeuser": "edgeuser", "edgepassword": "already-in-the-g8"}, "default/ovs-cred": INSTALLER_OVS_CRED}, "kept"),
], ids=["neither", "installer-only", "g8-only", "both"])
def test_ovs_cred_keeps_the_grids_password(existing, expected, tmp_path):
    """A migrated G8's portal bootstrap writes ovs-cred into the grid's OVS credentials: the installer's password
    (namespace default) must reach the G8's namespace; a new one is generated only when neither has one."""
    commands = ovs_cred_commands("openvcloud")
    assert "installer-password" not in commands  # read when the commands run, never printed
    result, stored = run_with_fake_kubectl(commands, tmp_path, existing)
    assert result.returncode == 0, result.stderr
    assert "installer-password" not in result.stdout + result.stderr
    if expected == "kept":
        assert stored == {}
    elif expected == "copied":
        assert stored == {"ovs-cred": {"namespace": "openvcloud", "data": INSTALLER_OVS_CRED}}
    else:
        assert stored["ovs-cred"]["namespace"] == "openvcloud" and stored["ovs-cred"]["data"]["edgeuser"] == "edgeuser"
        assert len(stored["ovs-cred"]["data"]["edgepassword"]) >= 24


def test_an_installer_ovs_cred_without_its_password_stops_the_commands(tmp_path):
    result, stored = run_with_fake_kubectl(ovs_cred_commands("openvcloud"), tmp_path, {"default/ovs-cred": {"edgeuser": "edgeuser"}})
    assert result.returncode != 0 and "ovs-cred in namespace default has no ['edgepassword']" in result.stderr
    assert stored == {}


@pytest.mark.parametrize("name", [p.stem for p in SYSTEM_CONFIGS])
def test_no_secret_value_reaches_the_environment_file_or_the_output(name, imported):
    out, commands, _ = imported[name]
    source = (ROOT / "examples" / "system-config" / f"{name}.yaml").read_text()
    secret_keys = {"password", "passwd", "clientSecret", "client_secret", "private-key", "api_key", "key"}  # x-secret in the schema

    def placeholders(value: object, key: str = "") -> list[str]:
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in placeholders(v, k)]
        if isinstance(value, list):
            return [p for v in value for p in placeholders(v, key)]
        return [value] if key in secret_keys else []
    values = placeholders(yaml.safe_load(source))
    assert len(values) >= 8
    for value in values:
        assert value not in out.read_text() and value not in commands


def test_the_public_key_is_derived_from_a_real_private_key(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()).decode()
    expected = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    config = yaml.safe_load(SYSTEM_CONFIGS[0].read_text())
    config["ssh"] = {"private-key": private}
    path = tmp_path / "system-config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = ovc("import-config", str(path), "--out", str(tmp_path / "env.yaml"), "--identities", str(tmp_path / "keys"))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((tmp_path / "env.yaml").read_text())["ssh"]["public_key"] == expected
    assert private.splitlines()[1] not in (tmp_path / "env.yaml").read_text()


@pytest.mark.parametrize("change, expected", [
    (lambda c: c["environment"]["grid"].pop("id"), ["environment.grid: 'id' is a required property"]),
    (lambda c: c["nodes"][0].update({"ip-lsb": "11"}), ["nodes[0].ip-lsb: '11' is not of type 'integer'"]),
    (lambda c: c["itsyouonline"].pop("clientSecret"), ["itsyouonline: 'clientSecret' is a required property"]),
    (lambda c: c["ssh"].pop("public-key"), ["ssh.private-key: not an unencrypted private key"]),
    (lambda c: c["nodes"][1].update({"name": "ctrl-01"}), ["nodes[1].name: 'ctrl-01' is already used by nodes[0]"]),
    (lambda c: c["network"]["backplane"].update(network="notacidr"), ["network.backplane.network: 'notacidr' is not a valid IPv4 network"]),
    (lambda c: c["nodes"][0].update({"ip-lsb": 0}), ["nodes[0].ip-lsb: Input should be greater than or equal to 1"]),
    (lambda c: c["nodes"][3].update({"ip-lsb": 255}),
     [f"nodes[3].ip-lsb: 255 is beyond the host addresses of network.{net} 10.199.{i}.0/24"
      for i, net in ((4, "ipmi"), (8, "backplane"), (9, "storage"), (10, "vxbackend"), (11, "gateway-management"))]),
    (lambda c: c["nodes"][2].update(storage={"ipaddress": "10.0.0.5/24"}),
     ["nodes[2].storage.ipaddress: '10.0.0.5' is not a host address inside network.storage.network 10.199.9.0/24"]),
    (lambda c: c["network"]["management"].update(gateway="10.1.1.1"),
     ["network.management.gateway: '10.1.1.1' is not a host address inside network.management.network 10.199.0.0/22"]),
    (lambda c: c["environment"].update(subdomain="Be_G8"), ["environment.subdomain: 'Be_G8' is not a DNS-1123 label"]),
    (lambda c: (c["environment"].update(subdomain="Be_G8"), c["network"]["backplane"].update(network="10.199.8/33"),
                c["mailclient"].update(port=0)),
     ["environment.subdomain: 'Be_G8' is not a DNS-1123 label", "mailclient.port: Input should be greater than or equal to 1",
      "network.backplane.network: '10.199.8/33' is not a valid IPv4 network"]),
], ids=["no-grid-id", "lsb-not-int", "no-client-secret", "placeholder-private-key", "duplicate-node", "bad-backplane-cidr",
        "bad-ip-lsb", "ip-lsb-beyond-networks", "address-outside-network", "gateway-outside-network", "bad-subdomain",
        "three-problems"])
def test_a_broken_system_config_names_each_field_of_the_system_config_and_writes_nothing(change, expected, tmp_path, capsys):
    """One line `FILE: field.path: message` per problem, at the system config's own field (never the environment
    file's `ip_lsb` or `networks.`), exit 2, nothing written: neither --out nor the BillingSync keys."""
    config = yaml.safe_load((ROOT / "examples" / "system-config" / "be-g8-3.yaml").read_text())
    change(config)
    path = tmp_path / "system-config.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["import-config", str(path), "--out", str(tmp_path / "env.yaml"), "--identities", str(tmp_path / "keys")]) == 2
    printed = capsys.readouterr()
    lines = sorted(printed.err.splitlines())
    assert len(lines) == len(expected), printed.err
    for line, start in zip(lines, sorted(expected)):
        assert line.startswith(f"{path}: {start}"), printed.err
    assert printed.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system-config.yaml"]


GENERATED = ("portal.", "paths.", "pxe.", "release.")
"""Environment fields import-config sets itself, from no field of the system config."""


@pytest.mark.parametrize("source", SYSTEM_CONFIGS, ids=lambda p: p.stem)
def test_every_imported_field_names_a_field_of_the_system_config(source):
    """ORIGINS keeps up with to_environment: each value it writes maps back to a field the system config has."""
    config = yaml.safe_load(source.read_text())
    config["directories"] = [{"path": "/var/ovc/billing", "sync": True}, {"path": "/var/ovc/extra", "sync": False},
                             {"path": "/var/ovc/invoices", "sync": True}]
    data, _ = to_environment(config, str(source))

    def leaves(value: object, path: str) -> list[str]:
        if isinstance(value, dict):
            return [leaf for k, v in value.items() for leaf in leaves(v, f"{path}.{k}" if path else k)]
        if isinstance(value, list):
            return [leaf for i, v in enumerate(value) for leaf in leaves(v, f"{path}[{i}]")]
        return [path]
    fields = [path for path in leaves(data, "") if not path.startswith(GENERATED)]
    assert "billing_sync.folders[0].path" in fields and "nodes[0].ip_lsb" in fields and "networks.backplane.cidr" in fields
    for path in fields:
        config_value(config, config_field(path, config))  # KeyError when the system config has no such field
    assert config_field("billing_sync.folders[0].id", config) == "directories[2].path"
