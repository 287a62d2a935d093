"""Apply order and pruning that survive any tool, from the dependency declarations.

A component's sync wave (Argo CD `argocd.argoproj.io/sync-wave`) is one more than the highest wave of
the components it depends on (`depends_on`, which also gives its init waits and NetworkPolicies): the
namespace-level objects and `HostDirectories` are wave 0, a component without dependencies wave 1. The
documents are stamped after synthesis, from what Python already knows: no jsii round trip per object.

Pruning is kubectl's ApplySet: `kubectl apply --prune --applyset=secret/<name>-applyset` labels every
object it applies `applyset.kubernetes.io/part-of=<applyset_id>` (and refuses input that already carries
the label, so the manifest does not) and deletes the labelled objects a later apply no longer lists. The
PersistentVolumes are published in their own file and applied without `--prune` (`synth.split_volumes`),
so a prune never deletes a volume with data; Argo CD is told the same with `Prune=false,Delete=false`.
"""
from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:  # pure Python at run time: `ops` and `synth`'s publishing read these names without cdk8s
    from .component import Component

COMPONENT_LABEL = "openvcloud.io/component"
"""On every object a component creates: what `ovc ops` and reviewers select a component's objects by."""
WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS_ANNOTATION = "argocd.argoproj.io/sync-options"
APPLYSET_LABEL = "applyset.kubernetes.io/part-of"
"""Set by kubectl on every object it applies with `--applyset` (never in our output)."""
KEEP_DATA = "Prune=false,Delete=false"
"""Argo CD never deletes a PersistentVolume, not when pruning and not when the Application is deleted."""
VOLUME_KINDS = ("PersistentVolume",)
"""Objects that hold data: published in `<name>.volumes.k8s.yaml`, never pruned."""


def applyset_parent(chart_name: str) -> str:
    """The Secret kubectl keeps the ApplySet's inventory in (`--applyset=secret/<this>`)."""
    return f"{chart_name}-applyset"


def applyset_id(name: str, namespace: str) -> str:
    """kubectl's ApplySet id of the Secret `name` in `namespace` (KEP-3659: hash of name.namespace.kind.group)."""
    digest = hashlib.sha256(f"{name}.{namespace}.Secret.".encode()).digest()
    return f"applyset-{base64.urlsafe_b64encode(digest).decode().rstrip('=')}-v1"


def waves(components: Iterable[Component], first: Component | None = None) -> dict[str, int]:
    """Component name -> wave: `first` (HostDirectories) 0, then one more than its deepest dependency."""
    result: dict[str, int] = {first.name: 0} if first else {}

    def wave(component: Component, path: tuple[str, ...] = ()) -> int:
        if component.name not in result:
            if component.name in path:
                raise ValueError(f"dependency cycle: {' -> '.join(path + (component.name,))}")
            result[component.name] = 1 + max((wave(d, path + (component.name,)) for d in component.dependencies), default=0)
        return result[component.name]

    for component in components:
        wave(component)
    return result


def stamp(documents: list[dict[str, Any]], *, component_waves: Mapping[str, int]) -> list[dict[str, Any]]:
    """Add the wave annotation to every document, keep-data options to volumes, and put
    the documents in wave order (stable, so the dependency order inside a wave stays): kubectl's file order
    and Argo CD's waves are then one order."""
    stamped = []
    for document in documents:
        metadata = document["metadata"]
        annotations = metadata.setdefault("annotations", {})
        component = metadata.get("labels", {}).get(COMPONENT_LABEL)
        wave = component_waves[component] if component else 0
        annotations[WAVE_ANNOTATION] = str(wave)
        if document["kind"] in VOLUME_KINDS:
            annotations[SYNC_OPTIONS_ANNOTATION] = KEEP_DATA
        stamped.append((wave, document))
    return [document for _, document in sorted(stamped, key=lambda pair: pair[0])]
