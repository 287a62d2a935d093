"""Every synthesized document passes the strict Kubernetes 1.27 schema, CRD schemas and checkov."""
import re

import pytest

from .validators import checkov, schema_errors, write_manifests


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, all_outputs):
    directory = tmp_path_factory.mktemp("dist")
    for name, docs in all_outputs.items():
        write_manifests(docs, directory / f"{name}.k8s.yaml")
    return directory, all_outputs


def test_every_document_validates_strictly_against_kubernetes_1_27(outputs):
    _, manifests = outputs
    errors = [f"{name}: {e}" for name, docs in manifests.items() for e in schema_errors(docs)]
    assert errors == []


def test_schema_check_catches_a_wrong_field():
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"portz": []}}
    assert schema_errors([bad]) != []


def test_crd_schema_check_catches_a_wrong_field():
    bad = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "x"},
           "spec": {"secretName": "x", "dnsNames": "not-a-list", "issuerRef": {"name": "le"}}}
    assert [e for e in schema_errors([bad]) if "dnsNames" in e]


def test_checkov_reports_no_failed_check(outputs):
    directory, _ = outputs
    report = checkov(directory)
    failed = sorted({(c["check_id"], c["resource"]) for c in report["failed"]})
    assert failed == []
    assert report["parsing_errors"] == []
    assert len(report["passed"]) > 100


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


def test_no_secret_values_and_no_key_material_in_the_output(outputs):
    directory, manifests = outputs
    for docs in manifests.values():
        for doc in docs:
            assert doc["kind"] != "Secret" or not (doc.get("data") or doc.get("stringData")), doc["metadata"]["name"]
    for path in directory.glob("*.k8s.yaml"):
        assert not PRIVATE_KEY.search(path.read_text()), path.name
