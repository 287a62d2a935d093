"""The entry points as an operator uses them: exit status, messages, and an untouched output directory."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import EXAMPLE, ROOT, example_data, merge, nodes

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


BAD_FILES = {
    "bad-ip": (merge(example_data(), {"nodes": [{**nodes(1)[0], "management_ip": "10.199.9.300"}] + nodes(3)[1:]}),
               ["nodes[0].management_ip: '10.199.9.300' is not a valid IPv4 address"]),
    "two-nodes": (merge(example_data(), {"nodes": nodes(2)}), ["nodes: 2 node(s) given"]),
    "typo": (merge(example_data(), {"mongo": {"host_pth": "/x"}}), ["mongo.host_pth: unknown key"]),
    "two-problems": (merge(example_data(), {"name": "Bad", "osis": {"node_port": 80}}),
                     ["name: 'Bad' is not a DNS-1123 label", "osis.node_port: 80 is outside the NodePort range"]),
    "not-yaml": ("name: [unclosed\n", ["not valid YAML"]),
    "not-a-mapping": ("- just\n- a list\n", ["the file must hold a YAML mapping, not list"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_validate_reports_each_problem_on_its_own_line(tmp_path, case):
    data, expected = BAD_FILES[case]
    path = write_env(tmp_path, data)
    result = run("-m", "ovc_constructs", "validate", "--env", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(expected), lines
    for line, fragment in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}: ") and fragment in line, line


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
    assert snapshot_dir(dist) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "env.yaml"], "no staging directory left behind"


def test_synth_replaces_only_its_own_file(tmp_path, dist):
    result = run("-m", "ovc_constructs", "synth", "--env", str(EXAMPLE), "--out", str(dist))
    assert result.returncode == 0, result.stderr
    assert (dist / "other.k8s.yaml").read_text() == "kept: true\n"
    kinds = [d["kind"] for d in yaml.safe_load_all((dist / "be-g8-3.k8s.yaml").read_text())]
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
    assert sorted(p.name for p in dist.iterdir()) == ["be-g8-3.k8s.yaml", "second.k8s.yaml"]

    good = snapshot_dir(dist)
    (environments / "second.yaml").write_text(yaml.safe_dump(merge(example_data(), {"name": "second", "nodes": nodes(1)})))
    result = run("apps/main.py", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{environments / 'second.yaml'}: nodes: 1 node(s) given; a G8 needs at least 3 controller nodes"
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
    (environments / "bad.yaml").write_text(yaml.safe_dump(merge(example_data(), {"domain": "Not A Domain"})))
    result = run("apps/main.py", "--check", env={"OVC_ENVIRONMENTS": str(environments)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{environments / 'bad.yaml'}: domain: 'Not A Domain' is not a DNS-1123 subdomain")
    (environments / "bad.yaml").write_text(EXAMPLE.read_text())
    assert run("apps/main.py", "--check", env={"OVC_ENVIRONMENTS": str(environments)}).returncode == 0
