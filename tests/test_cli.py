"""The entry points as an operator uses them: exit status, messages, and an untouched output directory."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ovc_constructs.cli import main

from .conftest import EXAMPLE, OLD_FORMAT, ROOT, example_data, merge, nodes
from .validators import load_documents

PYTHON = sys.executable


def run(*args, env=None, cwd=ROOT):
    return subprocess.run([PYTHON, *args], capture_output=True, text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


def snapshot_dir(directory: Path) -> dict:
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def dist(tmp_path):
    directory = tmp_path / "dist"
    directory.mkdir()
    (directory / "be-g8-3.k8s.yaml").write_text("previous: output\n")
    (directory / "other.k8s.yaml").write_text("kept: true\n")
    return directory


def write_env(tmp_path, data, name="env.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def example_nodes(index: int, **fields) -> list[dict]:
    changed = example_data()["nodes"]
    changed[index] = {**changed[index], **fields}
    return changed


BAD_FILES = {
    "bad-ip": (merge(example_data(), {"nodes": example_nodes(0, addresses={"management": "10.199.9.300"})}),
               ["nodes[0].addresses.management: '10.199.9.300' is not a valid IPv4 address"]),
    "two-controllers": (merge(example_data(), {"nodes": nodes(2)}), ["nodes: 2 controller node(s) given; a G8 needs at least 3"]),
    "typo": (merge(example_data(), {"mongo": {"host_pth": "/x"}}), ["mongo.host_pth: unknown key"]),
    "two-problems": (merge(example_data(), {"name": "Bad", "osis": {"node_port": 80}}),
                     ["name: 'Bad' is not a DNS-1123 label", "osis.node_port: 80 is outside the NodePort range"]),
    "floating-image": (merge(example_data(), {"release": {"images": {"syncthing/syncthing": "latest"}}}),
                       ["release.images['syncthing/syncthing']: syncthing/syncthing would float on the tag 'latest'"]),
    "old-format": (OLD_FORMAT.read_text(), ["this is the controller-only format of ovc_constructs 0.1"]),
    "not-yaml": ("name: [unclosed\n", ["not valid YAML"]),
    "not-a-mapping": ("- just\n- a list\n", ["the file must hold a YAML mapping, not list"]),
}


def assert_one_line_per_problem(stderr: str, path: Path, expected: list[str]) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == len(expected), lines
    for line, fragment in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}: ") and fragment in line, line


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_validate_reports_each_problem_on_its_own_line(tmp_path, capsys, case):
    """In process (the program's exit status and stderr are proven below, one process per case)."""
    data, expected = BAD_FILES[case]
    path = write_env(tmp_path, data)
    assert main(["validate", "--env", str(path)]) == 2
    assert_one_line_per_problem(capsys.readouterr().err, path, expected)


def test_missing_file_is_a_clear_error(tmp_path):
    result = run("-m", "ovc_constructs", "validate", "--env", str(tmp_path / "absent.yaml"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{tmp_path / 'absent.yaml'}: cannot read the file")


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_failed_synth_leaves_the_output_directory_as_it_was(tmp_path, dist, case):
    before = snapshot_dir(dist)
    path = write_env(tmp_path, BAD_FILES[case][0])
    result = run("-m", "ovc_constructs", "synth", "--env", str(path), "--out", str(dist))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert_one_line_per_problem(result.stderr, path, BAD_FILES[case][1])
    assert snapshot_dir(dist) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "env.yaml"], "no staging directory left behind"


def test_synth_replaces_only_its_own_file(tmp_path, dist):
    result = run("-m", "ovc_constructs", "synth", "--env", str(EXAMPLE), "--out", str(dist))
    assert result.returncode == 0, result.stderr
    assert (dist / "other.k8s.yaml").read_text() == "kept: true\n"
    kinds = [d["kind"] for d in load_documents((dist / "be-g8-3.k8s.yaml").read_text())]
    assert kinds[0] == "Namespace" and "StatefulSet" in kinds
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_validate_accepts_the_example():
    result = run("-m", "ovc_constructs", "validate", "--env", str(EXAMPLE))
    assert result.returncode == 0 and "be-g8-3" in result.stdout


def test_cdk8s_app_publishes_every_environment_and_refuses_bad_ones(tmp_path, dist):
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "be-g8-3.yaml").write_text(EXAMPLE.read_text())
    (environments / "second.yaml").write_text(yaml.safe_dump(merge(example_data(), {"name": "second"})))
    env = {"OVC_ENVIRONMENTS": str(environments), "OVC_DIST": str(dist), "CDK8S_OUTDIR": str(tmp_path / "scratch")}
    result = run("apps/main.py", env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in dist.iterdir()) == [".ovc-dist.json", "be-g8-3.k8s.yaml", "be-g8-3.volumes.k8s.yaml", "other.k8s.yaml",
                                                      "second.k8s.yaml", "second.volumes.k8s.yaml"]
    assert (dist / "other.k8s.yaml").read_text() == "kept: true\n", "a file it did not write is never removed"

    good = snapshot_dir(dist)
    (environments / "second.yaml").write_text(yaml.safe_dump(merge(example_data(), {"name": "second", "nodes": nodes(1)})))
    result = run("apps/main.py", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"{environments / 'second.yaml'}: nodes: 1 controller node(s) given; a G8 needs at least 3 (roles: [controller])")
    assert snapshot_dir(dist) == good


def test_cdk8s_app_rejects_two_files_with_the_same_name(tmp_path, dist):
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "a.yaml").write_text(EXAMPLE.read_text())
    (environments / "b.yaml").write_text(EXAMPLE.read_text())
    result = run("apps/main.py", env={"OVC_ENVIRONMENTS": str(environments), "OVC_DIST": str(dist), "CDK8S_OUTDIR": str(tmp_path / "s")})
    assert result.returncode == 2
    assert "'be-g8-3' is also the name in" in result.stderr


def test_make_synth_check_step_reports_cleanly(tmp_path):
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "bad.yaml").write_text(yaml.safe_dump(merge(example_data(), {"basedomain": "Not A Domain"})))
    result = run("apps/main.py", "--check", env={"OVC_ENVIRONMENTS": str(environments)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{environments / 'bad.yaml'}: basedomain: 'Not A Domain' is not a DNS-1123 subdomain")
    (environments / "bad.yaml").write_text(EXAMPLE.read_text())
    assert run("apps/main.py", "--check", env={"OVC_ENVIRONMENTS": str(environments)}).returncode == 0


# ---------------------------------------------------------------- migrate-env: the 0.1 format in today's form
MIGRATE = ("--grid-id", "3", "--itsyouonline-client-id", "greenitglobe.environments.be-g8-3")


def test_validating_the_old_format_exits_2_with_the_migrate_env_hint():
    result = run("-m", "ovc_constructs", "validate", "--env", str(OLD_FORMAT))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{OLD_FORMAT}: this is the controller-only format of ovc_constructs 0.1")
    assert f"python -m ovc_constructs migrate-env {OLD_FORMAT} --out NEW.yaml --grid-id N --itsyouonline-client-id ID" in line


def test_migrate_env_writes_a_file_that_validates_and_synthesizes(tmp_path):
    new = tmp_path / "be-g8-3.yaml"
    result = run("-m", "ovc_constructs", "migrate-env", str(OLD_FORMAT), "--out", str(new), *MIGRATE)
    assert result.returncode == 0, result.stderr
    assert f"# wrote {new}" in result.stdout
    old, data = yaml.safe_load(OLD_FORMAT.read_text()), yaml.safe_load(new.read_text())
    assert "domain" not in data and "management" not in data
    assert (data["name"], data["grid_id"], data["subdomain"], data["basedomain"]) == ("be-g8-3", 3, "be-g8-3", "gig.tech")
    assert data["networks"]["management"]["cidr"] == old["management"]["cidr"]
    assert data["itsyouonline"]["client_id"] == "greenitglobe.environments.be-g8-3"
    assert [(n["name"], n["roles"], n["addresses"]["management"], n["public_ip"], n["syncthing_device_id"]) for n in data["nodes"]] == [
        (n["name"], ["controller"], n["management_ip"], n["public_ip"], n["syncthing_device_id"]) for n in old["nodes"]]
    assert data["pxe"] == {k: v for k, v in old["pxe"].items() if k != "gateway"}, "the PXE gateway is the management network's"
    assert data["networks"]["management"]["gateway"] == old["pxe"]["gateway"]
    assert data["portal"] == old["portal"], "the component sections are carried over as they were"

    validated = run("-m", "ovc_constructs", "validate", "--env", str(new))
    assert validated.returncode == 0, validated.stderr
    assert "be-g8-3, 3 nodes, 3 controllers" in validated.stdout

    out = tmp_path / "out"
    synthesized = run("-m", "ovc_constructs", "synth", "--env", str(new), "--out", str(out))
    assert synthesized.returncode == 0, synthesized.stderr
    manifests = load_documents((out / "be-g8-3.k8s.yaml").read_text())
    environment = next(d for d in manifests if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "g8-environment")["data"]
    assert environment["G8_FQDN"] == "be-g8-3.gig.tech" and environment["G8_GRID_ID"] == "3"
    assert environment["G8_CONTROLLER_MANAGEMENT_IPS"] == " ".join(n["management_ip"] for n in old["nodes"])
    assert {"StatefulSet", "DaemonSet"} <= {d["kind"] for d in manifests}


def test_migrate_env_leaves_a_file_of_the_new_format_alone(tmp_path):
    out = tmp_path / "new.yaml"
    result = run("-m", "ovc_constructs", "migrate-env", str(EXAMPLE), "--out", str(out), *MIGRATE)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"{EXAMPLE}: not an environment file of the controller-only format; nothing to migrate\n"
    assert not out.exists()


# ---------------------------------------------------------------- config-value: what the printed Secret commands read
SYSTEM_CONFIG = ROOT / "examples" / "system-config" / "be-g8-3.yaml"


def test_config_value_prints_the_value_exactly(tmp_path):
    result = run("-m", "ovc_constructs", "config-value", str(SYSTEM_CONFIG), "environment.password")
    assert (result.returncode, result.stdout, result.stderr) == (0, "replace-me-environment-password", "")
    result = run("-m", "ovc_constructs", "config-value", str(SYSTEM_CONFIG), "nodes[3].ipmi.password")
    assert result.stdout == "replace-me-cpu-01-ipmi-password"
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    config = tmp_path / "system-config.yaml"
    config.write_text(yaml.safe_dump({"ssh": {"private-key": key}, "environment": {"grid": {"id": 3}, "password": " spaced "}}))
    assert run("-m", "ovc_constructs", "config-value", str(config), "ssh.private-key").stdout == key, "a trailing newline is kept, none added"
    assert run("-m", "ovc_constructs", "config-value", str(config), "environment.grid.id").stdout == "3"
    assert run("-m", "ovc_constructs", "config-value", str(config), "environment.password").stdout == " spaced "


@pytest.mark.parametrize("path, message", [("environment.nopassword", "no such key in the system config"),
                                           ("nodes[99].ipmi.password", "no such key in the system config"),
                                           ("environment", "not a single value")])
def test_config_value_of_a_missing_path_exits_2(path, message):
    result = run("-m", "ovc_constructs", "config-value", str(SYSTEM_CONFIG), path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"{SYSTEM_CONFIG}: {path}: {message}\n"


def test_make_synth_check_step_refuses_an_output_directory_it_cannot_write(tmp_path):
    """`make synth` runs `apps/main.py --check` first: an unwritable dist/ ends there, one line and exit 3,
    before cdk8s-cli could wrap the app's failure in its JavaScript stack."""
    assert "apps/main.py --check" in (ROOT / "Makefile").read_text().split("\nsynth:")[1].split("\n\n")[0]
    (tmp_path / "file").write_text("in the way\n")
    result = run("apps/main.py", "--check", env={"OVC_DIST": str(tmp_path / "file" / "dist")})
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == f"{tmp_path / 'file' / 'dist'}: cannot write: Not a directory\n"
    fresh = tmp_path / "new" / "dist"  # missing: made, as publish would, and left empty
    result = run("apps/main.py", "--check", env={"OVC_DIST": str(fresh)})
    assert result.returncode == 0, result.stderr
    assert fresh.is_dir() and list(fresh.iterdir()) == []


@pytest.mark.parametrize("failure", [OSError(30, "Read-only file system"), PermissionError(13, "Permission denied")])
def test_check_writable_names_the_directory_and_leaves_nothing(tmp_path, monkeypatch, failure):
    from ovc_constructs import files

    real = files.os.open

    def refuse(path, *args):
        if str(path).endswith(".tmp"):
            raise type(failure)(failure.errno, failure.strerror, str(path))
        return real(path, *args)

    monkeypatch.setattr(files.os, "open", refuse)
    with pytest.raises(OSError) as raised:
        files.check_writable(tmp_path / ".ovc-dist.json")
    assert (raised.value.errno, raised.value.filename) == (failure.errno, str(tmp_path))
    monkeypatch.undo()
    files.check_writable(tmp_path / ".ovc-dist.json")
    assert list(tmp_path.iterdir()) == []
