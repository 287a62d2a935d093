"""Fuzzing the environment file: every input either fails cleanly (exit 2, `FILE: field: message` lines,
output untouched) or synthesizes output that passes the strict schema (and, in one batch, checkov)."""
import contextlib
import copy
import io
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ovc_constructs.cli import main

from .conftest import example_data
from .validators import checkov, schema_errors

EXAMPLES = int(os.environ.get("OVC_FUZZ_EXAMPLES", "120"))
STATS = {"examples": 0, "rejected": 0, "synthesized": 0}

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=24), st.sampled_from([
        "10.199.0.300", "10.199.0.0/33", "10.199.0.1/22", "256.1.1.1", "::1", "mongo", "mongo:latest@sha256:xyz",
        "30080", "", "ctrl-01", "Ctrl_01", "é-ünïcode", "/var/ovc/mongodb", "var/relative", "0 0 * *", "1Gi", "-1",
        "ab:cd", "52:54:00:00:00:01", "traefik", "cert-manager", "yes", "~",
    ]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=6), SCALARS, max_size=2))


def paths(value, prefix=()):
    """Every path into the example document (mapping keys and list indexes)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


def node(i: int, octet: int) -> dict:
    return {"name": f"ctrl-{i:03d}", "management_ip": f"10.199.{octet // 250}.{octet % 250 + 2}",
            "public_ip": f"185.69.{octet // 250}.{octet % 250 + 2}"}


@st.composite
def environments(draw):
    data = example_data()
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from([p for p in paths(data) if p]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        operation = draw(st.sampled_from(["delete", "replace", "unknown-key", "duplicate-node", "swap-type",
                                          "node-count", "node-count", "node-count", "toggle"]))
        if operation == "delete":
            parent.pop(path[-1]) if isinstance(parent, (dict, list)) and path[-1] in (parent if isinstance(parent, dict) else range(len(parent))) else None
        elif operation == "replace":
            parent[path[-1]] = draw(VALUES)
        elif operation == "unknown-key" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(SCALARS)
        elif operation == "duplicate-node" and isinstance(data.get("nodes"), list) and data["nodes"]:
            data["nodes"].append(copy.deepcopy(data["nodes"][0]))
        elif operation == "node-count":
            count = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 7, 25, 60]))
            data["nodes"] = [node(i, i) for i in range(count)]
            data.setdefault("billing_sync", {})["enabled"] = False
        elif operation == "toggle":
            section = draw(st.sampled_from(["qa", "zero_access", "ovc_versions", "management_pod", "uptime_monitor", "billing_sync"]))
            data.setdefault(section, {})["enabled"] = draw(st.booleans())
            if section == "billing_sync":
                data.pop("pxe", None)
        elif operation == "swap-type" and isinstance(parent, (dict, list)):
            parent[path[-1]] = [parent[path[-1]]] if not isinstance(parent[path[-1]], list) else {"x": parent[path[-1]]}
    return data


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
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    out = workspace / "out"
    out.mkdir(exist_ok=True)
    sentinel = out / "previous.k8s.yaml"
    sentinel.write_text("kept\n")

    validated, validate_errors = run_cli("validate", "--env", str(path))
    synthesized, synth_errors = run_cli("synth", "--env", str(path), "--out", str(out))
    assert validated in (0, 2) and synthesized in (0, 2)
    if validated == 2 or synthesized == 2:
        STATS["rejected"] += 1
        errors = validate_errors if validated == 2 else synth_errors
        lines = errors.strip().splitlines()
        assert lines and all(line.startswith(f"{path}: ") for line in lines), errors
        assert "Traceback" not in errors and "jsii" not in errors.lower()
        assert sorted(p.name for p in out.iterdir()) == ["previous.k8s.yaml"], "a failed synth left files behind"
        return
    STATS["synthesized"] += 1
    written = [p for p in out.iterdir() if p.name != "previous.k8s.yaml"]
    assert len(written) == 1
    documents = list(yaml.safe_load_all(written[0].read_text()))
    assert schema_errors(documents) == []
    if len(list((workspace / "good").iterdir())) < 25:
        written[0].replace(workspace / "good" / f"{STATS['synthesized']}-{written[0].name}")
    else:
        written[0].unlink()


def test_fuzz_outputs_pass_checkov_and_enough_examples_ran(workspace):
    assert STATS["examples"] >= EXAMPLES, STATS
    assert STATS["rejected"] > 0 and STATS["synthesized"] > 0, STATS
    report = checkov(workspace / "good")
    assert [(c["check_id"], c["resource"]) for c in report["failed"]] == []
