"""Shared fixtures: environment files, synthesis and manifest lookup (`yaml_snapshot` comes from ovc_constructs.testing)."""
from __future__ import annotations

import copy
import fcntl
import json
import os
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")

import cdk8s  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from ovc_constructs import ControllerNode, G8Chart, Site, parse_environment  # noqa: E402
from ovc_constructs.environment import CB_MASTER  # noqa: E402
from ovc_constructs.system_config import SystemConfig  # noqa: E402
from ovc_constructs.syncthing import device_id_from_der  # noqa: E402
from ovc_constructs.testing import synth_chart, synth_construct  # noqa: E402,F401  (re-exported to the tests)

from .validators import FAST_LOADER  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = sorted((ROOT / "apps" / "environments").glob("*.yaml"))
EXAMPLE = ROOT / "apps" / "environments" / "be-g8-3.yaml"
"""The split G8 (3 controllers, 2 cpu and 2 storage nodes), imported from examples/system-config/be-g8-3.yaml."""
CONVERGED = ROOT / "apps" / "environments" / "be-conv-1.yaml"
OLD_FORMAT = ROOT / "tests" / "fixtures" / "environment-0.1.yaml"
"""An environment file of the controller-only format of ovc_constructs 0.1 (migrate-env)."""


@lru_cache(maxsize=None)
def _example_text_data() -> dict:
    return yaml.load(EXAMPLE.read_text(), Loader=FAST_LOADER)  # noqa: S506 - a safe loader


def example_data() -> dict:
    """The split example as data, a fresh copy each call (tests mutate it)."""
    return copy.deepcopy(_example_text_data())


def merge(base: dict, overrides: dict) -> dict:
    """Deep-merge `overrides` into a copy of `base`; a None value deletes the key."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


def nodes(count: int) -> list[dict]:
    """`count` controller nodes (environment-file form) with valid (made-up) Syncthing device IDs."""
    return [
        {"name": f"ctrl-{i:02d}", "roles": ["controller"], "ip_lsb": 10 + i, "public_ip": f"185.69.164.{10 + i}",
         "syncthing_device_id": device_id_from_der(f"ctrl-{i:02d}".encode())}
        for i in range(1, count + 1)
    ]


def controller_nodes(count: int) -> tuple[ControllerNode, ...]:
    """The same controllers as library objects (management, public and backplane addresses of the example)."""
    return tuple(ControllerNode(f"ctrl-{i:02d}", f"10.199.0.{10 + i}", f"185.69.164.{10 + i}", f"10.199.8.{10 + i}")
                 for i in range(1, count + 1))


def site(count: int = 3) -> Site:
    return Site(nodes=controller_nodes(count), management_cidr="10.199.0.0/22", backplane_cidr="10.199.8.0/24")


def system_config(chart: cdk8s.Chart) -> SystemConfig:
    """The example G8's system config in `chart`, for JumpScale components built alone."""
    from ovc_constructs import load_environment

    env = load_environment(EXAMPLE)
    return SystemConfig(chart, "system-config", environment=env, image=env.image(CB_MASTER))


def environment(**overrides):
    return parse_environment(merge(example_data(), overrides), "test.yaml")


def synth(env) -> list[dict]:
    return synth_chart(G8Chart(cdk8s.Testing.app(), env.name, environment=env))


def find(manifests: list[dict], kind: str, name: str) -> dict:
    matches = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def find_all(manifests: list[dict], kind: str) -> list[dict]:
    return [m for m in manifests if m["kind"] == kind]


def pod_spec(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def container_named(workload: dict, name: str) -> dict:
    spec = pod_spec(workload)
    matches = [c for c in spec["containers"] + spec.get("initContainers", []) if c["name"] == name]
    assert len(matches) == 1, f"no container {name} in {workload['kind']}/{workload['metadata']['name']}"
    return matches[0]


def assert_single_instance_not_pinned(deployment: dict) -> None:
    """One replica, replaced (never doubled), admitted on every controller node of the example."""
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    spec = pod_spec(deployment)
    assert "nodeName" not in spec and "nodeSelector" not in spec
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["ctrl-01", "ctrl-02", "ctrl-03"]


def policies_selecting(manifests: list[dict], labels: dict) -> list[dict]:
    """NetworkPolicies whose podSelector matches pods carrying `labels`."""
    found = []
    for policy in find_all(manifests, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        if all(labels.get(k) == v for k, v in selector.items()):
            found.append(policy)
    return found


def shared(tmp_path_factory, name: str, build):
    """`build()`'s (JSON) result, built once per run: pytest-xdist's workers share it through a file in the run's
    temporary directory, the first to ask building it under a lock while the others wait and then read it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build()
    run_directory = tmp_path_factory.getbasetemp().parent
    built = run_directory / f"{name}.json"
    with open(run_directory / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if built.exists():
            return json.loads(built.read_text())
        value = build()
        built.write_text(json.dumps(value))
        return value


@pytest.fixture(scope="session")
def example_manifests(tmp_path_factory) -> list[dict]:
    from ovc_constructs import load_environment

    return shared(tmp_path_factory, "example-manifests", lambda: synth(load_environment(EXAMPLE)))


DIGEST = "@sha256:" + "ab" * 32
VARIANTS = {
    "five-nodes": lambda: environment(name="five", nodes=nodes(5)),
    "traefik-cert-manager": lambda: environment(name="traefik", portal={"public": {"mode": "traefik"}, "tls": {"mode": "cert-manager"}}),
    "pinned-by-digest": lambda: environment(
        name="pinned", helper_image="busybox:1.36" + DIGEST,
        release={"images": {"mongo": "3.7.2" + DIGEST, CB_MASTER: "2.4.5.3" + DIGEST, "influxdb": "1.4" + DIGEST}}),
    "privileged-pxe-all-pods": lambda: environment(name="everything", pxe={**example_data()["pxe"], "privileged": True},
                                                   qa={"enabled": True}, release={"images": {"openvcloud/qa": "2.4.5.3"}},
                                                   ovc_versions={"exposure": ["kubernetes", "public"]}),
    "no-sync-no-pxe": lambda: environment(name="minimal", billing_sync={"enabled": False}, pxe=None,
                                          nodes=[{k: v for k, v in n.items() if k != "syncthing_device_id"} for n in nodes(3)]),
}


@pytest.fixture(scope="session")
def all_outputs(tmp_path_factory) -> dict[str, list[dict]]:
    """The synthesized output of every shipped environment file and of every variant."""
    from ovc_constructs import MongoAuth, ReplicatedMongo, load_environment

    def build() -> dict[str, list[dict]]:
        outputs = {path.stem: synth(load_environment(path)) for path in ENVIRONMENTS}
        outputs.update({name: synth(build()) for name, build in VARIANTS.items()})
        outputs["standalone-mongo-with-auth"] = synth_construct(
            lambda chart: ReplicatedMongo(chart, "mongo", site=site(3), auth=MongoAuth(secret_name="mongo-auth")))
        return outputs

    return shared(tmp_path_factory, "all-outputs", build)


POD_OWNERS = ("Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob")


def pytest_terminal_summary(terminalreporter):
    """Report what the fuzz and node-loss tests actually exercised. They record it as test properties, which come
    back from pytest-xdist's workers with their reports."""
    recorded: dict[str, list] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) == "call":
                for key, value in getattr(report, "user_properties", ()):
                    recorded.setdefault(key, []).append(value)
    for fuzz in recorded.get("fuzz", []):
        terminalreporter.write_line(
            f"fuzz: {fuzz['examples']} environment files ({fuzz['rejected']} rejected with exit 2, {fuzz['synthesized']} synthesized)")
    if "node_loss_cases" in recorded:
        terminalreporter.write_line(f"node loss: {sum(recorded['node_loss_cases'])} cases checked")


SLOWEST_FIRST = ("test_cli", "test_fuzz", "test_consumer", "test_publish", "test_import_config", "test_output",
                 "test_pxeboot", "test_portal", "test_hostile_input", "test_billing_sync", "test_controller_pods", "test_review")
"""Modules in the order of their time (pytest --durations), longest first."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds wheels, fuzzes or runs checkov; `make test-fast` leaves these out")


def pytest_collection_modifyitems(items):
    """Start the longest modules first: `make test` hands whole modules to pytest-xdist's workers in this order
    (--dist loadfile --no-loadscope-reorder), and a long module started last would keep one worker busy while the
    other idles."""
    rank = {name: index for index, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__.rpartition(".")[2], len(rank)))
