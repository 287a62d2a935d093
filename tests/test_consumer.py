"""The library as another project meets it (issue 15's acceptance).

The wheel is built from the sdist (which proves the sdist holds what builds it), installed into a fresh virtualenv
outside the repository, and there the example consumer `examples/consumer` (a cdk8s project with its own `imports/`
under a module name the old wheel shipped at top level) synthesizes, snapshot-tests its chart with the installed
`yaml_snapshot` fixture and passes `mypy --strict`.

Nothing is downloaded: the new virtualenv sees, through a .pth file naming a directory of links into this one's
site-packages, exactly the distributions `pip install ovc-constructs[testing] mypy` would have installed (the wheel's
requirements, transitively), so an undeclared dependency fails here too; not this repository's editable install.
"""
from __future__ import annotations

import ast
import email
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import ovc_constructs

pytestmark = pytest.mark.slow  # builds the sdist and the wheel and type-checks a consumer

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = ROOT / "examples" / "consumer"
SHARED_SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])  # the dependencies come from here
MYPY_CACHE = ROOT / ".cache" / "mypy-consumer"  # kept between runs (gitignored): cold ~15 s, warm ~1.5 s
ENV = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
ENV.update(JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")


def run(command: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [str(part) for part in command]
    result = subprocess.run(command, cwd=cwd, env=env or ENV, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist, and the wheel built from it (offline, with this virtualenv's setuptools and wheel, as pip would)."""
    out = tmp_path_factory.mktemp("dist")
    # egg_info into `out`: the repository's own (stale) ovc_constructs.egg-info is neither read nor rewritten.
    run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", out, "sdist", "--dist-dir", out], cwd=ROOT)
    [sdist] = out.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(out, filter="data")
    unpacked = out / sdist.name.removesuffix(".tar.gz")
    run([sys.executable, "setup.py", "-q", "bdist_wheel", "--dist-dir", out], cwd=unpacked)
    [wheel] = out.glob("*.whl")
    return sdist, wheel


def installed_entries(requirements: list[str], extras: tuple[str, ...]) -> set[str]:
    """The names in this virtualenv's site-packages (packages, modules, dist-infos) of the distributions that
    `requirements` need with `extras` active, transitively."""
    entries: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [(Requirement(text), extras) for text in requirements]
    while pending:
        requirement, active = pending.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen or requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in active):
            continue
        seen.add(key)
        distribution = importlib.metadata.distribution(requirement.name)
        entries.update(path.parts[0] for path in distribution.files or () if path.parts[0] not in ("..", "__pycache__"))
        pending += [(Requirement(text), ("", *requirement.extras)) for text in distribution.requires or ()]
    return entries


@pytest.fixture(scope="module")
def venv(dists: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv outside the repository with the wheel installed."""
    base = tmp_path_factory.mktemp("installed")
    run([sys.executable, "-m", "venv", "--without-pip", base / "venv"], cwd=base)
    with zipfile.ZipFile(dists[1]) as wheel:
        [metadata] = [wheel.read(name) for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    requirements = [*email.message_from_bytes(metadata).get_all("Requires-Dist"), "mypy", "pip"]
    dependencies = base / "dependencies"
    dependencies.mkdir()
    for name in installed_entries(requirements, extras=("", "testing")):
        (dependencies / name).symlink_to(SHARED_SITE_PACKAGES / name)
    python = base / "venv" / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=base).stdout.strip()
    (Path(purelib) / "dependencies.pth").write_text(f"{dependencies}\n")
    run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", dists[1]], cwd=base)
    return base / "venv"


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/consumer outside the repository, as its author would have it."""
    copy = tmp_path_factory.mktemp("consumer") / "consumer"
    shutil.copytree(CONSUMER, copy, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache", "__snapshots__", "dist"))
    return copy


def in_venv(venv: Path, *command: object, cwd: Path) -> subprocess.CompletedProcess:
    """`command` run as with the virtualenv activated: its `bin/` first on PATH, `python` its interpreter."""
    env = dict(ENV, VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}{os.pathsep}{ENV.get('PATH', '')}")
    return run([venv / "bin" / str(command[0]), *command[1:]], cwd=cwd, env=env)


def test_sdist_has_licence_and_no_tests(dists):
    with tarfile.open(dists[0]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "setup.py", "MANIFEST.in", "ovc_constructs/py.typed"} <= names
    assert not [name for name in names if name.startswith(("tests/", "examples/", "apps/")) or "__pycache__" in name]


def test_wheel_adds_one_top_level_package(dists):
    with zipfile.ZipFile(dists[1]) as wheel:
        names = wheel.namelist()
        info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/RECORD"))
        record = wheel.read(f"{info}/RECORD").decode().splitlines()
        top_level = wheel.read(f"{info}/top_level.txt").decode().split()
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        metadata = wheel.read(f"{info}/METADATA").decode()
    assert {line.split("/")[0] for line in record} - {info} == {"ovc_constructs"}
    assert top_level == ["ovc_constructs"]
    assert "ovc = ovc_constructs.__main__:run" in entry_points
    assert "ovc_constructs = ovc_constructs.testing" in entry_points
    assert "License: Apache-2.0" in metadata and f"Version: {ovc_constructs.__version__}" in metadata
    assert f"{info}/LICENSE" in names and "ovc_constructs/py.typed" in names
    assert "ovc_constructs/jsii_node_signals.js" in names, "interrupts.install has node load it"
    assert not [name for name in names if name.endswith(".jsii.tgz")], "no jsii assembly of its own: no generated bindings"


def test_installed_library_is_the_wheel(venv):
    probe = ("import importlib.metadata as m, ovc_constructs; print(ovc_constructs.__file__); print("
             "ovc_constructs.__version__, m.version('ovc-constructs'), len(list(m.distributions(name='ovc-constructs'))))")
    location, versions = in_venv(venv, "python", "-c", probe, cwd=venv).stdout.splitlines()
    assert Path(location).is_relative_to(venv) and not Path(location).resolve().is_relative_to(ROOT)
    assert versions.split() == [ovc_constructs.__version__, ovc_constructs.__version__, "1"]
    console = in_venv(venv, "ovc", "--help", cwd=venv)
    assert console.stdout == in_venv(venv, "python", "-m", "ovc_constructs", "--help", cwd=venv).stdout
    assert "synth" in console.stdout


def test_consumer_synthesizes(venv, consumer):
    in_venv(venv, "python", "main.py", cwd=consumer)
    manifests = [m for m in yaml.safe_load_all((consumer / "dist" / "orders.k8s.yaml").read_text()) if m]
    named = {(m["kind"], m["metadata"]["name"]): m for m in manifests}
    mongo = named["StatefulSet", "orders-mongo"]
    [api] = [m for m in manifests if m["kind"] == "Deployment" and m["metadata"]["name"].startswith("orders-api")]
    assert {("Deployment", "orders-influxdb"), ("Deployment", "orders-grafana")} <= set(named)
    assert not {name for kind, name in named if name in ("mongo", "influxdb", "grafana")}
    assert {m["metadata"].get("namespace") for m in (mongo, api, named["Deployment", "orders-grafana"])} == {"orders"}
    route = named["IngressRouteTCP", "orders-api"]
    api_pods, mongo_pods = api["spec"]["selector"]["matchLabels"], mongo["spec"]["template"]["metadata"]["labels"]
    [service] = [m for m in manifests if m["kind"] == "Service" and m["spec"]["selector"] == api_pods]
    assert route["spec"]["routes"][0]["services"] == [{"name": service["metadata"]["name"], "port": 8080}]

    policies = [m["spec"] for m in manifests if m["kind"] == "NetworkPolicy"]

    def selects(selector: dict, labels: dict) -> bool:
        return bool(selector.get("matchLabels")) and selector["matchLabels"].items() <= labels.items()

    def peers(policy: dict, direction: str) -> list[dict]:
        return [peer.get("podSelector", {}) for rule in policy.get(direction, [])
                for peer in rule.get("to" if direction == "egress" else "from", [])]

    # allow_to(mongo): egress from the API's pods to the members, and ingress on the members from the API's pods
    assert [p for p in policies if p["podSelector"].get("matchLabels") == api_pods
            and any(selects(peer, mongo_pods) for peer in peers(p, "egress"))]
    assert [p for p in policies if selects(p["podSelector"], mongo_pods)
            and any(peer.get("matchLabels") == api_pods for peer in peers(p, "ingress"))]


def test_consumer_snapshot_with_the_installed_fixture(venv, consumer):
    snapshot = consumer / "tests" / "__snapshots__" / "test_chart" / "test_orders_chart.k8s.yaml"
    pytest_ = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    in_venv(venv, *pytest_, "--snapshot-update", cwd=consumer)
    checked = in_venv(venv, *pytest_, cwd=consumer)
    assert "1 passed" in checked.stdout
    text = snapshot.read_text()
    assert re.search(r"^ +grafana\.ini: \|-?\n", text, re.M), "multi-line values must be literal block scalars"
    assert "name: orders-mongo" in text


def test_consumer_passes_mypy_strict(venv, consumer):
    MYPY_CACHE.mkdir(parents=True, exist_ok=True)
    result = in_venv(venv, "python", "-m", "mypy", "--strict", "--cache-dir", MYPY_CACHE, "main.py", "tests", cwd=consumer)
    assert result.stdout.startswith("Success: no issues found")


def test_import_changes_no_environment_variable():
    """A library user's environment is theirs: importing the package and a construct sets nothing (not even jsii's)."""
    env = {key: value for key, value in ENV.items() if not key.startswith("JSII_")}
    probe = ("import os; before = dict(os.environ); import ovc_constructs, ovc_constructs.mongo; "
             "from ovc_constructs import ReplicatedMongo, MongoSettings; "
             "print(sorted(k for k in before.keys() | os.environ.keys() if before.get(k) != os.environ.get(k)))")
    assert run([sys.executable, "-c", probe], cwd=ROOT, env=env).stdout == "[]\n"


def test_exports_are_typed_and_documented():
    """Each name the package root exports lazily is also imported for type checkers, and its class says what it is."""
    tree = ast.parse((ROOT / "ovc_constructs" / "__init__.py").read_text())
    typed = {alias.asname for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1
             for alias in node.names if alias.asname == alias.name}
    assert typed == set(ovc_constructs.__all__)
    undocumented = [name for name in ovc_constructs.__all__
                    if isinstance(value := getattr(ovc_constructs, name), type) and not value.__dict__.get("__doc__")]
    assert not undocumented
