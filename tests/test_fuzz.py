"""Fuzzing the environment file: every input either fails cleanly (exit 2, `FILE: field: message` lines,
output untouched) or synthesizes output that passes the strict schema (and, in one batch, checkov)."""
import contextlib
import copy
import io
import json
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ovc_constructs.cli import main
from ovc_constructs.environment import CB_MASTER, InvalidEnvironment, load_environment
from ovc_constructs.synth import MANIFEST
from ovc_constructs.syncthing import device_id_from_der

from .conftest import example_data
from .validators import checkov, load_documents, schema_errors

pytestmark = pytest.mark.slow  # tens of synths and a checkov run
EXAMPLES = int(os.environ.get("OVC_FUZZ_EXAMPLES", "40"))
STATS = {"examples": 0, "rejected": 0, "synthesized": 0}
CHECKOV_BATCH = 4
"""How many synthesized outputs checkov judges (in one run, about 1.5 s each)."""

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=24), st.sampled_from([
        "10.199.0.300", "10.199.0.0/33", "10.199.0.1/22", "256.1.1.1", "::1", "mongo", "mongo:latest@sha256:xyz",
        "30080", "", "ctrl-01", "Ctrl_01", "é-ünïcode", "/var/ovc/mongodb", "var/relative", "0 0 * *", "1Gi", "-1",
        "ab:cd", "52:54:00:00:00:01", "traefik", "cert-manager", "yes", "~", "controller", "cpu", "storage",
        "185.69.164.40/24", "0-3", "latest", "2.4.5.4", "g8-secrets", "tls-wildcard",
    ]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=6), SCALARS, max_size=2))
ROLES = st.sampled_from([["controller"], ["cpu"], ["storage"], ["controller", "cpu", "storage"], ["cpu", "storage"],
                         ["controller", "controller"], [], ["master"]])
DIGEST = "@sha256:" + "ef" * 32
RELEASE_IMAGES = st.sampled_from(["mongo", CB_MASTER, "openvcloud/nginx", "redis", "syncthing/syncthing", "influxdb",
                                  "grafana/grafana", "openvcloud/qa", "openvcloud/pxeboot", "not/in-the-release"])
TAGS = st.sampled_from(["3.7.3", "2.4.5.4", "1.4" + DIGEST, "latest", "latest" + DIGEST, "bad tag", "", "v1@sha256:xyz", "0.14.52"])
SECTIONS = ["qa", "zero_access", "ovc_versions", "management_pod", "uptime_monitor", "billing_sync", "alerta", "mail",
            "support", "pxe", "limits"]


class PlainDumper(yaml.SafeDumper):
    """Writes a value shared by several nodes (their roles list) out in full: environment files refuse aliases."""

    def ignore_aliases(self, data):
        return True


def paths(value, prefix=()):
    """Every path into the example document (mapping keys and list indexes)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


def node(i: int, roles: list[str], synced: bool = True) -> dict:
    """A node of the new shape: roles, an address offset on every network, a public IP for a controller."""
    entry = {"name": f"node-{i:03d}", "roles": roles, "ip_lsb": 100 + i,
             "management_mac": f"02:00:0a:03:02:{i:02x}", "ipmi": {"mac": f"02:00:0a:03:03:{i:02x}", "username": "ADMIN"}}
    if "controller" in roles:
        entry["public_ip"] = f"185.69.164.{100 + i}/24"
        if synced:
            entry["syncthing_device_id"] = device_id_from_der(f"node-{i:03d}".encode())
    return entry


def reshape(data: dict, controllers: int, converged: bool, others: int, synced: bool) -> None:
    """Give the G8 another shape: `controllers` controllers (also cpu and storage nodes if `converged`),
    `others` cpu and storage nodes."""
    roles = ["controller", "cpu", "storage"] if converged else ["controller"]
    if converged:
        data.pop("pxe", None)  # a converged G8 has no PXE boot
    data["nodes"] = [node(i, roles, synced) for i in range(controllers)] + [
        node(controllers + i, ["cpu" if i % 2 else "storage"]) for i in range(others)]


@st.composite
def environments(draw):
    """The split example, often reshaped into another valid G8 first (larger, converged), then mutated: its own
    fields, and the parts of the new model (nodes and roles, networks, release images, secret references)."""
    data = example_data()
    if draw(st.booleans()):
        reshape(data, draw(st.sampled_from([3, 4, 5, 7])), draw(st.booleans()), draw(st.sampled_from([0, 2, 6, 40])), True)
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from([p for p in paths(data) if p]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        operation = draw(st.sampled_from(["delete", "replace", "unknown-key", "duplicate-node", "swap-type", "nodes",
                                          "nodes", "nodes", "roles", "release", "release", "legacy-image", "network",
                                          "secret-ref", "switch-password", "toggle"]))
        if operation == "delete":
            parent.pop(path[-1]) if isinstance(parent, (dict, list)) and path[-1] in (parent if isinstance(parent, dict) else range(len(parent))) else None
        elif operation == "replace":
            parent[path[-1]] = draw(VALUES)
        elif operation == "unknown-key" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(SCALARS)
        elif operation == "duplicate-node" and isinstance(data.get("nodes"), list) and data["nodes"]:
            data["nodes"].append(copy.deepcopy(data["nodes"][0]))
        elif operation == "nodes":
            # A G8 of another size: controllers (some converged), cpu and storage nodes.
            synced = draw(st.sampled_from([True, True, True, False]))
            if not synced and draw(st.booleans()):
                data.setdefault("billing_sync", {})["enabled"] = False
            reshape(data, draw(st.sampled_from([0, 1, 2, 3, 3, 4, 5, 7])), draw(st.booleans()), draw(st.sampled_from([0, 2, 6, 40])), synced)
            if draw(st.booleans()):
                data.pop("pxe", None)
        elif operation == "roles" and isinstance(data.get("nodes"), list) and data["nodes"]:
            index = draw(st.integers(0, len(data["nodes"]) - 1))
            if isinstance(data["nodes"][index], dict):
                data["nodes"][index]["roles"] = draw(ROLES)
        elif operation == "release":
            release = data.setdefault("release", {})
            if not isinstance(release, dict):
                continue
            if draw(st.integers(0, 5)) == 0:
                release["version"] = draw(st.sampled_from(["2.4.5.3", "9.9.9", "bad version!"]))
            elif isinstance(release.setdefault("images", {}), dict):
                release["images"][draw(RELEASE_IMAGES)] = draw(TAGS)
        elif operation == "legacy-image":
            # The pre-release way of choosing an image: refused, the tag belongs under release.images.
            section, field = draw(st.sampled_from([("mongo", "image"), ("osis", "image"), ("portal", "nginx_image")]))
            if isinstance(data.get(section, {}), dict):
                data.setdefault(section, {})[field] = "mongo:3.4"
        elif operation == "network" and isinstance(data.get("networks"), dict):
            name = draw(st.sampled_from(["management", "backplane", "storage", "vxbackend", "gateway_management", "ipmi"]))
            if draw(st.booleans()):
                data["networks"].pop(name, None)
            else:
                data["networks"][name] = {**(data["networks"].get(name) if isinstance(data["networks"].get(name), dict) else {}),
                                          "cidr": draw(st.sampled_from(["10.199.0.0/28", "10.210.0.0/16", "10.199.0.0/22", "10.199.0.5/24"]))}
        elif operation == "secret-ref":
            section = draw(st.sampled_from(["itsyouonline", "mail", "ssh", "alerta"]))
            if isinstance(data.get(section), dict):
                field = {"itsyouonline": "client_secret", "mail": "password", "ssh": "private_key", "alerta": "api_key"}[section]
                data[section][field] = draw(st.sampled_from([{"key": "other-key"}, {"secret": "vault", "key": "k"},
                                                             {"key": "bad key!"}, "a-secret-value", {"value": "x"}]))
        elif operation == "switch-password" and isinstance(data.get("switches"), dict):
            cisco = data["switches"].get("cisco")
            if isinstance(cisco, list) and cisco and isinstance(cisco[0], dict):
                cisco[0][draw(st.sampled_from(["password", "Password", "passwd"]))] = "a-secret-value"
        elif operation == "toggle":
            section = draw(st.sampled_from(SECTIONS))
            if section in ("alerta", "mail", "support", "pxe", "limits"):
                data.pop(section, None)
            else:
                data.setdefault(section, {})["enabled"] = draw(st.booleans())
                if section == "qa" and draw(st.booleans()):
                    data.setdefault("release", {}).setdefault("images", {})["openvcloud/qa"] = "2.4.5.3"
        elif operation == "swap-type" and isinstance(parent, (dict, list)):
            parent[path[-1]] = [parent[path[-1]]] if not isinstance(parent[path[-1]], list) else {"x": parent[path[-1]]}
    return data


def expected_lines(path) -> list[str]:
    """The problems the library finds in the file, one line each (what `validate` must print)."""
    try:
        load_environment(path)
    except InvalidEnvironment as error:
        return error.lines
    return []


def run_cli(*args) -> tuple[int, str]:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, stderr.getvalue()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "good").mkdir()
    return root


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(data=environments())
def test_fuzzed_environment_files(workspace, data):
    STATS["examples"] += 1
    path = workspace / "env.yaml"
    path.write_text(yaml.dump(data, Dumper=PlainDumper, allow_unicode=True))
    out = workspace / "out"
    out.mkdir(exist_ok=True)
    sentinel = out / "previous.k8s.yaml"
    sentinel.write_text("kept\n")

    validated, validate_errors = run_cli("validate", "--env", str(path))
    synthesized, synth_errors = run_cli("synth", "--env", str(path), "--out", str(out))
    assert validated in (0, 2) and synthesized in (0, 2)
    problems = expected_lines(path)
    if problems:
        # The file is refused by both commands, with exactly one line per problem the library found.
        assert validated == 2 and synthesized == 2, (validate_errors, synth_errors)
        assert validate_errors.splitlines() == problems == synth_errors.splitlines()
    if validated == 2 or synthesized == 2:
        STATS["rejected"] += 1
        errors = validate_errors if validated == 2 else synth_errors
        lines = errors.strip().splitlines()
        assert lines and all(line.startswith(f"{path}: ") for line in lines), errors
        assert len(lines) == len(problems or [None]), errors
        assert "Traceback" not in errors and "jsii" not in errors.lower()
        assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == ["previous.k8s.yaml"], "a failed synth left files behind"
        return
    STATS["synthesized"] += 1
    environment = load_environment(path)
    objects, volumes = out / f"{environment.name}.k8s.yaml", out / f"{environment.name}.volumes.k8s.yaml"
    assert sorted(p.name for p in out.iterdir() if p.name not in ("previous.k8s.yaml", MANIFEST)) == sorted([objects.name, volumes.name])
    documents = load_documents(objects.read_text())
    volume_documents = load_documents(volumes.read_text())
    assert {d["kind"] for d in volume_documents} == {"PersistentVolume"} and "PersistentVolume" not in {d["kind"] for d in documents}
    assert schema_errors(documents + volume_documents) == []
    volumes.unlink()
    written = [objects]
    # The output describes this G8: its controllers run the stack, the system config lists every node.
    config_maps = {d["metadata"]["name"]: d["data"] for d in documents if d["kind"] == "ConfigMap"}
    assert config_maps["g8-environment"]["G8_CONTROLLER_NODES"].split() == [n.name for n in environment.controllers]
    system_config = json.loads(config_maps["system-config"]["system-config.yaml"])
    assert [n["name"] for n in system_config["nodes"]] == [n.name for n in environment.nodes]
    if len(list((workspace / "good").iterdir())) < CHECKOV_BATCH:
        written[0].replace(workspace / "good" / f"{STATS['synthesized']}-{written[0].name}")
    else:
        written[0].unlink()


def test_fuzz_outputs_pass_checkov_and_enough_examples_ran(workspace, record_property):
    record_property("fuzz", dict(STATS))  # for the run's summary line (conftest.py)
    assert STATS["examples"] >= EXAMPLES, STATS
    assert STATS["rejected"] > 0 and STATS["synthesized"] > 0, STATS
    report = checkov(workspace / "good")
    assert [(c["file_path"], c["check_id"], c["resource"]) for c in report["failed"]] == []
    assert report["parsing_errors"] == []
    judged = {c["file_path"] for c in report["passed"]}
    assert len(judged) == min(STATS["synthesized"], CHECKOV_BATCH), judged
