"""The third-party judges: the Kubernetes 1.27 OpenAPI schema (strict), CRD schemas, and checkov."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml

K8S_VERSION = "1.27"
CRDS = Path(__file__).resolve().parent.parent / "imports" / "crds"


@lru_cache(maxsize=None)
def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> openAPIV3Schema of every CRD copy in imports/crds/."""
    schemas = {}
    for path in CRDS.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            schemas[(f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])] = version["schema"]["openAPIV3Schema"]
    return schemas


def _nulls(value, path=""):
    if value is None:
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _nulls(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nulls(v, f"{path}[{i}]")


def schema_errors(manifests: list[dict]) -> list[str]:
    """Every strict-schema error (and every null value) in `manifests`; empty means valid."""
    errors = []
    for doc in manifests:
        where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        errors += [f"{where}: null value at {p}" for p in _nulls(doc)]
        custom = crd_schemas().get((doc.get("apiVersion"), doc.get("kind")))
        if custom is not None:
            validator = jsonschema.Draft7Validator(custom)
            errors += [f"{where}: {'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]
            continue
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{where}: {'.'.join(map(str, error.path))}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(f"{where}: no schema for {doc.get('apiVersion')} {doc.get('kind')} in Kubernetes {K8S_VERSION}: {error}")
    return errors


def checkov(directory: Path) -> dict:
    """Run checkov (kubernetes framework, offline) on a directory; return its JSON report."""
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    checkov_bin = Path(sys.executable).parent / "checkov"
    result = subprocess.run(
        [str(checkov_bin), "-d", str(directory), "--framework", "kubernetes", "--skip-download", "-o", "json", "--compact"],
        capture_output=True, text=True, env=env, timeout=900,
    )
    if not result.stdout.strip():
        raise AssertionError(f"checkov produced no report (rc={result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    merged = {"passed": [], "failed": [], "skipped": [], "parsing_errors": []}
    for r in reports:
        results = r.get("results", {})
        merged["passed"] += results.get("passed_checks", [])
        merged["failed"] += results.get("failed_checks", [])
        merged["skipped"] += results.get("skipped_checks", [])
        merged["parsing_errors"] += results.get("parsing_errors", [])
    return merged


def write_manifests(manifests: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
    return path
