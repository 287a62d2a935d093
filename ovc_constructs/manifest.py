"""Kubernetes objects from plain JSON: one `cdk8s.ApiObject` each, its body attached as JSON patches.

Why not cdk8s-plus's typed `k8s.Kube*` classes: every typed struct is checked field by field in Python
(jsii's typeguard, which evaluates the type hints anew at each call) and again by the jsii kernel, and a
pod template crosses to the kernel as a tree of typed structs. That was most of a G8's synth time
(docs/performance.md). Here a body is a plain dict in the API's own field names (`initContainers`,
`externalTrafficPolicy`); the tests check every synthesized object against the strict Kubernetes 1.27
schema instead.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Optional

from cdk8s import ApiObject, ApiObjectMetadata, Chart, JsonPatch
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


@dataclass
class _Held:
    """An object's body (and check suppressions) kept in Python until its chart renders."""

    body: dict[str, Any]
    cluster_scoped: bool
    annotations: dict[str, str] = field(default_factory=dict)


_held: "weakref.WeakKeyDictionary[ApiObject, _Held]" = weakref.WeakKeyDictionary()


class HeldBodies:
    """Bodies a chart attaches itself when it renders, instead of one JSON patch per object.

    A chart that renders in Python anyway (G8Chart stamps its sync waves there) installs this: each
    object then costs one jsii round trip (its creation) instead of three, and its body crosses to the
    kernel once, in the rendered documents. In such a chart `add_to_list` and `annotate` change the
    held body; a JSON patch of one of these objects' bodies through cdk8s is not supported there.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], _Held] = {}

    @staticmethod
    def install(chart: Chart) -> "HeldBodies":
        """Hold the bodies of the objects built in `chart` from now on; its `to_json` must `attach` them."""
        held = chart.__dict__["_ovc_held_bodies"] = HeldBodies()
        return held

    @staticmethod
    def of(scope: Construct) -> Optional["HeldBodies"]:
        """The store of `scope`'s chart, if it has one (a component knows its chart: no round trip)."""
        chart = getattr(scope, "_chart", None)
        if not isinstance(chart, Chart):
            chart = scope if isinstance(scope, Chart) else Chart.of(scope)
        return chart.__dict__.get("_ovc_held_bodies")

    def hold(self, api_object: ApiObject, kind: str, name: str, body: dict[str, Any], cluster_scoped: bool) -> None:
        key = (kind, name)
        if key in self._by_key:
            raise ValueError(f"two {kind} objects named {name!r} in one chart")
        self._by_key[key] = _held[api_object] = _Held(body, cluster_scoped)

    def attach(self, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rendered documents with their held bodies and annotations, as cdk8s would have patched them."""
        attached: set[tuple[str, str]] = set()
        for document in documents:
            key = (document["kind"], document["metadata"].get("name", ""))
            held = self._by_key.get(key)
            if held is None:
                continue
            if key in attached:
                raise ValueError(f"two {key[0]} objects named {key[1]!r} in one chart")
            attached.add(key)
            metadata = document["metadata"]
            if held.annotations:
                annotations = {**metadata.get("annotations", {}), **held.annotations}
                metadata["annotations"] = {name: annotations[name] for name in sorted(annotations)}
            if held.cluster_scoped:
                metadata.pop("namespace", None)
            document["metadata"] = {item: metadata[item] for item in sorted(metadata)}
            document.update(held.body)
        return documents


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
    Three jsii round trips for a one-field body (the object, its patch, attaching it), one in a chart with
    `HeldBodies`.
    """
    api_object = ApiObject(scope, id, api_version=api_version, kind=kind,
                           metadata=ApiObjectMetadata(name=name, labels=labels, annotations=annotations))
    held = HeldBodies.of(scope)
    if held is not None and name:
        held.hold(api_object, kind, name, sanitize(dict(body)), cluster_scoped)
        return api_object
    patches = [JsonPatch.add(f"/{field}", value) for field, value in sanitize(dict(body)).items()]
    if cluster_scoped:
        patches.append(_without_namespace())
    if patches:
        api_object.add_json_patch(*patches)
    return api_object


def add_to_list(api_object: ApiObject, path: str, item: Mapping[str, Any], *, index: Optional[int] = None) -> None:
    """Add `item` to the list at `path` of an object's JSON, creating the list when `index` is None
    (JSON patch `add`: a new field comes last, as cdk8s would leave it)."""
    value = sanitize(dict(item))
    held = _held.get(api_object)
    if held is None:
        api_object.add_json_patch(JsonPatch.add(path, [value]) if index is None else JsonPatch.add(f"{path}/{index}", value))
        return
    *parents, last = path.strip("/").split("/")
    target: Any = held.body
    for key in parents:
        target = target[key]
    if index is None:
        target[last] = [value]
    else:
        target[last].insert(index, value)


def annotate(api_object: ApiObject, key: str, value: str) -> bool:
    """Add an annotation to a held object (True); False when the object is cdk8s's to annotate."""
    held = _held.get(api_object)
    if held is None:
        return False
    held.annotations[key] = value
    return True


def config_map(scope: Construct, id: str, *, data: Mapping[str, str], name: str, labels: Optional[Mapping[str, str]] = None,
               annotations: Optional[Mapping[str, str]] = None) -> ApiObject:
    """A ConfigMap of text files or values."""
    return api_object(scope, id, api_version="v1", kind="ConfigMap", name=name, labels=labels, annotations=annotations,
                      body={"data": data})
