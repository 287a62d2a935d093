"""The third-party judges: the Kubernetes 1.27 OpenAPI schema (strict), CRD schemas, and checkov."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

K8S_VERSION = "1.27"
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's, where PyYAML has it: synthesized output is up to 300 KB, and PyYAML's pure-Python reader took a
third of the fuzz test's time (the product reads output the same way, review.py)."""
CRDS = Path(__file__).resolve().parent.parent / "crds"


def _closed(schema: dict) -> dict:
    """`schema` with unknown fields refused wherever the CRD does not keep them (x-kubernetes-preserve-unknown-fields),
    as the API server's strict field validation (kubectl's default) refuses them. allOf/anyOf/oneOf/not only
    constrain the fields declared beside them, so they stay as they are."""
    closed = dict(schema)
    if "properties" in schema:
        closed["properties"] = {name: _closed(field) for name, field in schema["properties"].items()}
        if "additionalProperties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            closed["additionalProperties"] = False
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            closed[key] = _closed(schema[key])
    return closed


@lru_cache(maxsize=None)
def crd_schema(api_version: str, kind: str) -> dict | None:
    """The strict openAPIV3Schema of (apiVersion, kind) from the pinned CRD copies in crds/, None if none has it.
    Only a file naming that group and kind is parsed: the Argo CD ones are large (1.2 s with libyaml)."""
    group = api_version.rpartition("/")[0]
    for path in sorted(CRDS.glob("*.yaml")):
        text = path.read_text()
        if not (re.search(rf"^\s*group: {re.escape(group)}$", text, re.M) and re.search(rf"^\s*kind: {re.escape(kind)}$", text, re.M)):
            continue
        crd = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 - a safe loader
        if (crd["spec"]["group"], crd["spec"]["names"]["kind"]) != (group, kind):
            continue
        for version in crd["spec"]["versions"]:
            if f"{group}/{version['name']}" == api_version:
                return _closed(version["schema"]["openAPIV3Schema"])
    return None


@lru_cache(maxsize=None)
def _k8s_definitions():
    """The strict 1.27 definitions, loaded once (kubernetes_validate.validate reloads them for every document)."""
    from kubernetes_validate.utils import all_versions, major_minor, schema_contents
    from referencing import Resource

    version = [v for v in all_versions() if major_minor(v) <= K8S_VERSION][-1]
    directory = f"kubernetes-json-schema/v{version}-local-strict"
    return version, directory, Resource.from_contents(schema_contents(f"{directory}/_definitions.json", K8S_VERSION))


@lru_cache(maxsize=None)
def _k8s_validator(api_version: str, kind: str):
    """The same Draft 2020-12 validator kubernetes_validate.validate(strict=True) builds, once per kind."""
    from kubernetes_validate.utils import schema_contents
    from referencing import Registry, Resource

    _, directory, definitions = _k8s_definitions()
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = schema_contents(f"{directory}/{kind.lower()}-{group_version}.json", K8S_VERSION)
    except FileNotFoundError:
        return None
    registry = definitions @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def _k8s_errors(doc: dict, where: str) -> list[str]:
    validator = _k8s_validator(str(doc.get("apiVersion")), str(doc.get("kind")))
    if validator is None:
        return [f"{where}: no schema for {doc.get('apiVersion')} {doc.get('kind')} in Kubernetes {K8S_VERSION}"]
    error = next(iter(validator.iter_errors(doc)), None)
    return [] if error is None else [f"{where}: {'.'.join(map(str, error.path))}: {error.message}"]


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
        custom = crd_schema(str(doc.get("apiVersion")), str(doc.get("kind")))
        if custom is not None:
            validator = jsonschema.Draft7Validator(custom)
            errors += [f"{where}: {'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]
            continue
        errors += _k8s_errors(doc, where)
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
    """`manifests` as a multi-document YAML file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump_all(manifests, Dumper=FAST_DUMPER, sort_keys=False))
    return path


def load_documents(text: str) -> list[dict]:
    """The documents of a multi-document YAML text (`write_manifests`'s, or the synthesized output)."""
    return [d for d in yaml.load_all(text, Loader=FAST_LOADER) if d is not None]  # noqa: S506 - a safe loader
