"""Every synthesized document passes the strict Kubernetes 1.27 schema, CRD schemas and checkov."""
import re
from pathlib import Path

import pytest
import yaml

from .conftest import ENVIRONMENTS, ROOT
from .validators import checkov, schema_errors, write_manifests

EXAMPLES = {"be-g8-3", "be-conv-1"}
"""The shipped example G8s (split and converged), imported from examples/system-config/."""
SYSTEM_CONFIG_EXAMPLES = sorted((ROOT / "examples" / "system-config").glob("*.yaml"))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, all_outputs):
    directory = tmp_path_factory.mktemp("dist")
    for name, docs in all_outputs.items():
        write_manifests(docs, directory / f"{name}.k8s.yaml")
    return directory, all_outputs


@pytest.fixture(scope="module")
def checkov_report(outputs):
    """One checkov run over every output (it is the slow judge)."""
    directory, _ = outputs
    return checkov(directory)


def test_every_environment_file_and_both_examples_are_judged(outputs):
    _, manifests = outputs
    assert EXAMPLES <= {path.stem for path in ENVIRONMENTS}
    assert {path.stem for path in ENVIRONMENTS} <= set(manifests)


def test_every_document_validates_strictly_against_kubernetes_1_27(outputs):
    _, manifests = outputs
    errors = [f"{name}: {e}" for name, docs in manifests.items() for e in schema_errors(docs)]
    assert errors == []
    assert all(manifests[name] for name in EXAMPLES)


def test_schema_check_catches_a_wrong_field():
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"portz": []}}
    assert schema_errors([bad]) != []


def test_crd_schema_check_catches_a_wrong_field():
    bad = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "x"},
           "spec": {"secretName": "x", "dnsNames": "not-a-list", "issuerRef": {"name": "le"}}}
    assert [e for e in schema_errors([bad]) if "dnsNames" in e]


@pytest.mark.slow
def test_checkov_reports_no_failed_check(outputs, checkov_report):
    _, manifests = outputs
    report = checkov_report
    failed = sorted({(Path(c["file_path"]).name, c["check_id"], c["resource"]) for c in report["failed"]})
    assert failed == []
    assert report["parsing_errors"] == []
    # Every output (both examples included) was read and judged, not just some of them.
    judged = {Path(c["file_path"]).name.removesuffix(".k8s.yaml") for c in report["passed"]}
    assert judged == set(manifests)
    for name in EXAMPLES:
        assert len([c for c in report["passed"] if Path(c["file_path"]).name == f"{name}.k8s.yaml"]) > 1000, name


def test_every_checkov_skip_carries_a_reason(outputs):
    _, manifests = outputs
    for docs in manifests.values():
        for doc in docs:
            for key, value in (doc["metadata"].get("annotations") or {}).items():
                if key.startswith("checkov.io/skip"):
                    check, _, reason = value.partition("=")
                    assert re.fullmatch(r"CKV2?_K8S_\d+", check), value
                    assert len(reason.split()) >= 4, f"{doc['kind']}/{doc['metadata']['name']}: {value}"


PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|-----BEGIN CERTIFICATE-----")
SECRET_FIELDS = ("environment.password", "itsyouonline.clientSecret", "mailclient.passwd", "ssh.private-key",
                 "support.github.client_secret", "alerta.api_key", "nodes[].ipmi.password", "network.cisco[].password",
                 "certificates.*.key")
"""The secret values of an installer system config (what import-config leaves in the Secrets)."""


def secret_values(config: dict) -> dict[str, str]:
    """`field path -> value` of every secret field present in an installer system config."""
    found: dict[str, str] = {}

    def walk(value, parts, path):
        if not parts:
            if value is not None:
                found[path] = str(value)
            return
        part, rest = parts[0], parts[1:]
        if part.endswith("[]"):
            for index, item in enumerate((value or {}).get(part[:-2]) or []):
                walk(item, rest, f"{path}{part[:-2]}[{index}].")
        elif part == "*":
            for key, item in (value or {}).items():
                walk(item, rest, f"{path}{key}.")
        elif isinstance(value, dict) and part in value:
            walk(value[part], rest, f"{path}{part}" + ("." if rest else ""))

    for field in SECRET_FIELDS:
        walk(config, field.split("."), "")
    return found


def test_no_secret_values_and_no_key_material_in_the_output(outputs):
    directory, manifests = outputs
    for docs in manifests.values():
        for doc in docs:
            assert doc["kind"] != "Secret" or not (doc.get("data") or doc.get("stringData")), doc["metadata"]["name"]
    texts = {path.name: path.read_text() for path in directory.glob("*.k8s.yaml")}
    for name, text in texts.items():
        assert not PRIVATE_KEY.search(text), name
    # The imported examples: not one secret value of their system configs reaches any output.
    assert {path.stem for path in SYSTEM_CONFIG_EXAMPLES} == EXAMPLES
    for example in SYSTEM_CONFIG_EXAMPLES:
        values = secret_values(yaml.safe_load(example.read_text()))
        for field in SECRET_FIELDS:  # the example exercises every kind of secret field
            pattern = re.escape(field).replace(r"\[\]", r"\[\d+\]").replace(r"\*", r"[^.]+")
            assert [path for path in values if re.fullmatch(pattern, path)], f"{example.name} has no {field}"
        assert f"# Imported from {example.name}" in (ROOT / "apps" / "environments" / example.name).read_text()
        for path, value in values.items():
            pieces = [value] + [line.strip() for line in value.splitlines() if len(line.strip()) >= 12]
            for name, text in texts.items():
                leaked = [piece for piece in pieces if piece in text]
                assert not leaked, f"{example.name}: the value of {path} appears in {name}"
