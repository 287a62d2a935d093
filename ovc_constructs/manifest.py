"""Kubernetes objects from plain JSON: one `cdk8s.ApiObject` each, its body attached as JSON patches.

Why not cdk8s-plus's typed `k8s.Kube*` classes: every typed struct is checked field by field in Python
(jsii's typeguard, which evaluates the type hints anew at each call) and again by the jsii kernel, and a
pod template crosses to the kernel as a tree of typed structs. That was most of a G8's synth time
(docs/performance.md). Here a body is a plain dict in the API's own field names (`initContainers`,
`externalTrafficPolicy`); the tests check every synthesized object against the strict Kubernetes 1.27
schema instead.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Optional

from cdk8s import ApiObject, ApiObjectMetadata, JsonPatch
from constructs import Construct


def sanitize(value: Any) -> Any:
    """What cdk8s does to a typed object's fields: nulls left out, keys sorted (a stable, reviewable YAML diff).

    Patched JSON is not sanitized by cdk8s, so every body and patch value goes through this first.
    """
    if isinstance(value, dict):
        return {key: sanitize(value[key]) for key in sorted(value) if value[key] is not None}
    if isinstance(value, (list, tuple)):
        return [sanitize(item) for item in value]
    return value


@lru_cache(maxsize=1)
def _without_namespace() -> JsonPatch:
    return JsonPatch.remove("/metadata/namespace")


def api_object(
    scope: Construct,
    id: str,
    *,
    api_version: str,
    kind: str,
    name: Optional[str] = None,
    labels: Optional[Mapping[str, str]] = None,
    annotations: Optional[Mapping[str, str]] = None,
    body: Mapping[str, Any],
    cluster_scoped: bool = False,
) -> ApiObject:
    """An object of `kind` whose top-level fields other than the metadata are `body` (`spec`, `data`, ...).

    The chart's namespace and labels are added as for any cdk8s object; `cluster_scoped` drops the namespace.
    Three jsii round trips for a one-field body: the object, its patch, attaching it.
    """
    api_object = ApiObject(scope, id, api_version=api_version, kind=kind,
                           metadata=ApiObjectMetadata(name=name, labels=labels, annotations=annotations))
    patches = [JsonPatch.add(f"/{field}", value) for field, value in sanitize(dict(body)).items()]
    if cluster_scoped:
        patches.append(_without_namespace())
    if patches:
        api_object.add_json_patch(*patches)
    return api_object


def add_to_list(api_object: ApiObject, path: str, item: Mapping[str, Any], *, index: Optional[int] = None) -> None:
    """Add `item` to the list at `path` of an object's JSON, creating the list when `index` is None."""
    value = sanitize(dict(item))
    api_object.add_json_patch(JsonPatch.add(path, [value]) if index is None else JsonPatch.add(f"{path}/{index}", value))


def config_map(scope: Construct, id: str, *, data: Mapping[str, str], name: str, labels: Optional[Mapping[str, str]] = None,
               annotations: Optional[Mapping[str, str]] = None) -> ApiObject:
    """A ConfigMap of text files or values."""
    return api_object(scope, id, api_version="v1", kind="ConfigMap", name=name, labels=labels, annotations=annotations,
                      body={"data": data})
