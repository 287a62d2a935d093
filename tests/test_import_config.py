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

from ovc_constructs.installer.importer import schema_problems

from .conftest import ROOT, pod_spec

SYSTEM_CONFIGS = sorted((ROOT / "examples" / "system-config").glob("*.yaml"))
FAKE_KUBECTL = """#!/usr/bin/env python3
# Records what `kubectl create secret ... --dry-run=client -o yaml | kubectl apply -f -` would store.
import base64, json, os, sys
args = sys.argv[1:]
store = os.environ["KUBECTL_STORE"]
if "get" in args:
    sys.exit(1)  # no Secret exists yet
if "apply" in args:
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
doc = {"kind": "Secret", "metadata": {"name": name}, "data": data}
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


@pytest.mark.parametrize("name", [p.stem for p in SYSTEM_CONFIGS])
def test_printed_commands_build_every_referenced_secret_from_the_file(name, imported, all_outputs, tmp_path):
    out, commands, keys = imported[name]
    source = yaml.safe_load((ROOT / "examples" / "system-config" / f"{name}.yaml").read_text())
    bin_dir, store = tmp_path / "bin", tmp_path / "store"
    bin_dir.mkdir()
    store.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')  # this venv's python, as `python3`
    (bin_dir / "python3").chmod(0o755)
    script = "\n".join(line for line in commands.splitlines() if not line.startswith("# ")).replace("\\\n", " ")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "KUBECTL_STORE": str(store),
                                 "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    created = {p.stem: {k: base64.b64decode(v).decode() for k, v in json.loads(p.read_text())["data"].items()} for p in store.iterdir()}
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


@pytest.mark.parametrize("change, line", [
    (lambda c: c["environment"]["grid"].pop("id"), "environment.grid: 'id' is a required property"),
    (lambda c: c["nodes"][0].update({"ip-lsb": "11"}), "nodes[0].ip-lsb: '11' is not of type 'integer'"),
    (lambda c: c["itsyouonline"].pop("clientSecret"), "itsyouonline: 'clientSecret' is a required property"),
    (lambda c: c["ssh"].pop("public-key"), "ssh.private-key: not an unencrypted private key"),
    (lambda c: c["nodes"][1].update({"name": "ctrl-01"}), "nodes[1].name: 'ctrl-01' is already used by nodes[0]"),
], ids=["no-grid-id", "lsb-not-int", "no-client-secret", "placeholder-private-key", "duplicate-node"])
def test_a_broken_system_config_exits_2_naming_the_field_and_writes_nothing(change, line, tmp_path):
    config = yaml.safe_load((ROOT / "examples" / "system-config" / "be-g8-3.yaml").read_text())
    change(config)
    path = tmp_path / "system-config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = ovc("import-config", str(path), "--out", str(tmp_path / "env.yaml"), "--identities", str(tmp_path / "keys"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert any(l.startswith(str(path)) and line in l for l in result.stderr.splitlines()), result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "env.yaml").exists() and not (tmp_path / "keys").exists()
