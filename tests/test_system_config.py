"""The system config the images read: processed like the installer's, no secret values in the ConfigMap,
each pod merging only the secret values its software reads, with the real merge script."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ovc_constructs import load_environment
from ovc_constructs.files import SCRIPTS
from ovc_constructs.installer.importer import schema_problems

from .conftest import CONVERGED, EXAMPLE, ROOT, container_named, find, pod_spec

SYSTEM_CONFIGS = {"be-g8-3": ROOT / "examples/system-config/be-g8-3.yaml", "be-conv-1": ROOT / "examples/system-config/be-conv-1.yaml"}
MERGE_SCRIPT = Path(str(SCRIPTS / "merge-system-config.py"))


def config_map(manifests: list[dict]) -> dict:
    return find(manifests, "ConfigMap", "system-config")["data"]


def secrets_dir_from(source: dict, fields: list[dict], root: Path) -> Path:
    """What Kubernetes projects into a pod: every secret value of `source` (the operator's file) as a file."""
    for field in fields:
        value: object = source
        for part in field["path"]:
            value = value[part]
        path = root / field["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(value))
    return root


def run_merge(data: dict, secrets: Path, out: Path, groups: str) -> subprocess.CompletedProcess:
    (out.parent / "system-config.json").write_text(data["system-config.yaml"])
    (out.parent / "fields.json").write_text(data["secret-fields.json"])
    return subprocess.run([sys.executable, str(MERGE_SCRIPT), str(out.parent / "system-config.json"), str(out.parent / "fields.json"),
                           str(secrets), str(out), groups], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("name", sorted(SYSTEM_CONFIGS))
def test_merged_config_is_the_operators_config_plus_the_derived_keys(name, all_outputs, tmp_path):
    """Round trip: installer file -> import -> synth -> ConfigMap + Secrets -> merge at pod start == the file."""
    source = yaml.safe_load(SYSTEM_CONFIGS[name].read_text())
    data = config_map(all_outputs[name])
    fields = json.loads(data["secret-fields.json"])
    secrets = secrets_dir_from(source, fields, tmp_path / "secrets")
    out = tmp_path / "out" / "system-config.yaml"
    out.parent.mkdir()
    result = run_merge(data, secrets, out, ",".join(sorted({f["group"] for f in fields})))
    assert result.returncode == 0, result.stderr
    merged = yaml.safe_load(out.read_text())  # the readers' loader: PyYAML reads the JSON as YAML
    assert out.stat().st_mode & 0o777 == 0o600
    for key in ("timezone", "environment", "itsyouonline", "mailclient", "support", "alerta", "limits"):
        assert merged[key] == source[key], key
    assert merged["ssh"]["private-key"] == source["ssh"]["private-key"]
    assert merged["ssh"]["public-key"] == source["ssh"]["public-key"]
    assert {k: v for k, v in merged["network"].items()} == source["network"]
    for original, node in zip(source["nodes"], merged["nodes"], strict=True):
        derived = {k: v for k, v in node.items() if not (isinstance(v, dict) and set(v) == {"ipaddress"})}
        for section in ("management", "ipmi"):
            derived[section] = {k: v for k, v in node[section].items() if k != "ipaddress"}
        assert derived == original
    assert schema_problems(merged) == []


def test_derived_keys_of_contract_8_2(all_outputs):
    config = json.loads(config_map(all_outputs["be-g8-3"])["system-config.yaml"])
    ctrl = next(n for n in config["nodes"] if n["name"] == "ctrl-01")
    assert ctrl["backplane"] == {"ipaddress": "10.199.8.11/24"}
    assert ctrl["management"]["ipaddress"] == "10.199.0.11/22"
    assert ctrl["storage"] == {"ipaddress": "10.199.9.11/24"}
    assert ctrl["ipmi"]["ipaddress"] == "10.199.4.11/24"
    assert config["ssh"]["public-key"].startswith("ssh-ed25519 ")
    directories = {d["path"]: d["sync"] for d in config["directories"]}
    assert directories["/var/ovc/mongodb"] is False
    assert directories["/var/ovc/billing"] is True and directories["/var/ovc/.ssh"] is True


@pytest.mark.parametrize("name", sorted(SYSTEM_CONFIGS))
def test_the_config_map_holds_no_secret_value(name, all_outputs):
    source = yaml.safe_load(SYSTEM_CONFIGS[name].read_text())
    data = config_map(all_outputs[name])
    config = json.loads(data["system-config.yaml"])
    for field in json.loads(data["secret-fields.json"]):
        value: object = source
        for part in field["path"]:
            value = value[part]
        assert str(value) not in json.dumps(config), field
        target: object = config
        for part in field["path"][:-1]:
            target = target[part] if isinstance(part, int) else target.get(part, {})
        assert field["path"][-1] not in target, field


def secret_items(workload: dict) -> set[str]:
    volume = next(v for v in pod_spec(workload)["volumes"] if v["name"] == "g8-secrets")
    return {item["key"] for source in volume["projected"]["sources"] for item in source["secret"]["items"]}


def test_each_pod_gets_only_the_secret_values_its_software_reads(all_outputs):
    out = all_outputs["be-g8-3"]
    jumpscale = {"environment-password", "alerta-api-key"}
    assert secret_items(find(out, "DaemonSet", "osis")) == jumpscale
    assert secret_items(find(out, "Deployment", "agentcontroller")) == jumpscale
    assert secret_items(find(out, "DaemonSet", "portal")) == jumpscale | {"itsyouonline-client-secret", "mailclient-password"}
    assert secret_items(find(out, "Deployment", "zero-access")) == {"itsyouonline-client-secret"}
    management = secret_items(find(out, "Deployment", "management"))
    assert {"ssh-private-key", "ipmi-password-cpu-01", "cisco-password-mgmt-switch-1", "github-client-secret"} <= management


def test_merge_refuses_to_start_without_a_secret_value(all_outputs, tmp_path):
    data = config_map(all_outputs["be-g8-3"])
    (tmp_path / "secrets").mkdir()
    out = tmp_path / "out" / "system-config.yaml"
    out.parent.mkdir()
    result = run_merge(data, tmp_path / "secrets", out, "password")
    assert result.returncode == 1
    assert "no secret value for environment.password (g8-secrets/environment-password)" in result.stderr
    assert not out.exists()


def test_merge_script_runs_on_the_release_images_python_3_5():
    ast.parse(MERGE_SCRIPT.read_text(), feature_version=(3, 5))


def test_every_consumer_mounts_the_file_where_its_image_reads_it(all_outputs):
    out = all_outputs["be-g8-3"]
    for kind, name, containers in (("DaemonSet", "osis", ["system-init"]), ("DaemonSet", "portal", ["system-init", "portal"]),
                                   ("Deployment", "zero-access", ["zero-access"])):
        for container in containers:
            mounts = container_named(find(out, kind, name), container)["volumeMounts"]
            assert {"mountPath": "/opt/cfg/system/system-config.yaml", "name": "system-config", "readOnly": True,
                    "subPath": "system-config.yaml"} in mounts, (name, container)
    management = container_named(find(out, "Deployment", "management"), "management")["volumeMounts"]
    assert {"mountPath": "/opt/cfg/system", "name": "system-config", "readOnly": True} in management


def test_the_configuration_step_picks_the_portal_guid_of_its_node(all_outputs, tmp_path):
    """Run the generated system-init script with bash and a recording jspython."""
    init = container_named(find(all_outputs["be-g8-3"], "DaemonSet", "portal"), "system-init")
    assert init["command"][:2] == ["/bin/bash", "-c"]
    assert init["workingDir"] == "/var/run/scripts/system"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "jspython").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/calls\n')
    (bin_dir / "jspython").chmod(0o755)
    guids = set()
    for node in ("ctrl-01", "ctrl-02", "ctrl-03"):
        (tmp_path / "calls").unlink(missing_ok=True)
        result = subprocess.run(["bash", "-c", init["command"][2]], env={"PATH": f"{bin_dir}:/usr/bin:/bin", "NODE_NAME": node},
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        configure, portal = (tmp_path / "calls").read_text().splitlines()
        assert configure.startswith("/var/run/scripts/system/configure-system.py --machineguid ")
        guids.add(configure.split()[-1])
        assert portal == "/var/run/scripts/portal/configure-portal.py"
    assert len(guids) == 3 and all(len(g) == 12 and int(g, 16) >= 0 for g in guids)
    refused = subprocess.run(["bash", "-c", init["command"][2]], env={"PATH": f"{bin_dir}:/usr/bin:/bin", "NODE_NAME": "stranger"},
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1 and "no machine GUID for node stranger" in refused.stderr


def test_versions_manifest_is_the_release_with_the_environments_pins(all_outputs):
    manifest = yaml.safe_load(find(all_outputs["be-g8-3"], "ConfigMap", "versions-manifest")["data"]["versions-manifest.yaml"])
    assert manifest["version"] == "2.4.5.3"
    assert manifest["url"].endswith("/manifests/2.4.5.3.yml")
    assert manifest["images"]["openvcloud/cb_master"] == "2.4.5.3"
    assert manifest["images"]["syncthing/syncthing"] == "0.14"  # 'latest' in the release, pinned by import
    assert {r["name"] for r in manifest["repos"]} >= {"OpenvCloud Core", "JumpScale Core"}
    images = {c["image"] for d in all_outputs["be-g8-3"] if d["kind"] in ("Deployment", "DaemonSet", "StatefulSet")
              for c in pod_spec(d)["containers"]}
    for name, tag in manifest["images"].items():
        if any(i.startswith(f"{name}:") for i in images):
            assert f"{name}:{tag}" in images


def test_a_converged_g8_is_one_where_controllers_carry_other_roles():
    assert load_environment(CONVERGED).converged
    assert not load_environment(EXAMPLE).converged


def test_the_merged_file_with_its_secret_values_stays_in_memory(all_outputs):
    for kind, name in (("DaemonSet", "osis"), ("DaemonSet", "portal"), ("Deployment", "management")):
        volume = next(v for v in pod_spec(find(all_outputs["be-g8-3"], kind, name))["volumes"] if v["name"] == "system-config")
        assert volume["emptyDir"]["medium"] == "Memory", name
