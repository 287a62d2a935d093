"""Day-2 operations of a synthesized G8 (seed 003's start, stop and restart) as the kubectl commands to
run, and what a kubectl ApplySet prune deletes between two syntheses.

Pure Python over the manifest's documents: it never runs kubectl and never imports cdk8s, so it works on
any `dist/<name>.k8s.yaml`. The operator reads the commands, then pipes them to `sh -ex` (docs/operations.md).

Stopping keeps every object and all data: Deployments and StatefulSets are scaled to 0, a DaemonSet (it
cannot be scaled) gets a node selector no node carries, a CronJob is suspended; nothing is ever deleted.
Starting sets back exactly what the manifest says, object by object, instead of re-applying the manifest:
an apply does not remove the node selector `kubectl patch` added (the apply never owned that key), and it
reports a conflict on the replicas and suspend fields that `kubectl scale` and `kubectl patch` took over.
Several components go in sync-wave order, dependents first when stopping and dependencies first when
starting or restarting, each wave waiting for the previous one.
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .ordering import COMPONENT_LABEL, VOLUME_KINDS, WAVE_ANNOTATION
from .review import BadInput, object_key, read_objects

STOPPED_LABEL = "openvcloud.io/stopped"
"""The node label a stopped DaemonSet selects: no node carries it, so no node runs the daemon."""
TIMEOUT = "10m"
"""How long each wait may take before the script stops (with `sh -e`) and leaves the rest as it is."""

ACTIONS = ("stop", "start", "restart", "status")
SCALED = ("Deployment", "StatefulSet")
ROLLED = ("Deployment", "StatefulSet", "DaemonSet")


class InvalidManifest(BadInput):
    """A manifest without components, or a component name it does not have: one `FILE: message` line (exit 2)."""


@dataclass(frozen=True)
class Workload:
    """A Deployment, StatefulSet, DaemonSet, CronJob or Job of a component, as the manifest declares it."""

    kind: str
    name: str
    namespace: str
    replicas: int = 1
    suspended: bool = False
    pods: str = ""
    """The label selector of its pods (`-l`), for the workloads that own pods by selector."""

    @property
    def ref(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


@dataclass(frozen=True)
class Component:
    """One `openvcloud.io/component` of the manifest: its sync wave and its workloads in manifest order."""

    name: str
    wave: int
    workloads: tuple[Workload, ...]

    def of_kind(self, *kinds: str) -> list[Workload]:
        return [w for w in self.workloads if w.kind in kinds]


def read_manifest(path: Path) -> list[dict[str, Any]]:
    """The documents of a synthesized manifest, in file order; a file that is not one is a BadInput line."""
    return list(read_objects(Path(path)).values())


def _labels(document: Mapping[str, Any]) -> Mapping[str, str]:
    return document["metadata"].get("labels") or {}


def _selector(match_labels: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(match_labels.items()))


def _workload(document: Mapping[str, Any]) -> Workload | None:
    kind, spec = document["kind"], document.get("spec") or {}
    if kind not in (*ROLLED, "CronJob", "Job"):
        return None
    return Workload(kind=kind, name=document["metadata"]["name"], namespace=document["metadata"].get("namespace", "default"),
                    replicas=int(spec.get("replicas", 1)), suspended=bool(spec.get("suspend", False)),
                    pods=_selector((spec.get("selector") or {}).get("matchLabels") or {}) if kind in ROLLED else "")


def components(documents: Iterable[Mapping[str, Any]], source: str) -> dict[str, Component]:
    """Every component of the manifest by name, in manifest order (which follows dependencies)."""
    waves: dict[str, set[int]] = {}
    workloads: dict[str, list[Workload]] = {}
    for document in documents:
        try:
            name = _labels(document).get(COMPONENT_LABEL)
            if not name:
                continue
            waves.setdefault(name, set()).add(int(document["metadata"].get("annotations", {})[WAVE_ANNOTATION]))
            workload = _workload(document)
        except (AttributeError, KeyError, TypeError, ValueError):
            raise InvalidManifest(f"{source}: {document['kind']}/{document['metadata']['name']}: not as this version synthesizes it "
                                  f"(labels, {WAVE_ANNOTATION}, replicas, selector); synthesize it again") from None
        workloads.setdefault(name, []).extend([workload] if workload else [])
    if not waves:
        raise InvalidManifest(f"{source}: no object carries the {COMPONENT_LABEL} label; not a G8 manifest of this version "
                              "(synthesize it again)")
    return {name: Component(name, max(wave), tuple(workloads[name])) for name, wave in waves.items()}


def select(known: Mapping[str, Component], names: Sequence[str] | None, source: str) -> list[Component]:
    """The components named (None: all of them), in manifest order; an unknown name is one line listing the known ones."""
    unknown = [name for name in names or () if name not in known]
    if unknown:
        raise InvalidManifest(f"{source}: unknown component {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}")
    return [component for name, component in known.items() if names is None or name in names]


def _kubectl(namespace: str, *args: str) -> str:
    return " ".join(["kubectl", "-n", shlex.quote(namespace), *(shlex.quote(a) for a in args)])


def _patch(workload: Workload, patch: dict) -> str:
    return _kubectl(workload.namespace, "patch", workload.ref, "--type=merge", "-p", json.dumps(patch, separators=(",", ":")))


def _node_selector(value: str | None) -> dict:
    """A JSON merge patch: `value` adds the stopped key to the pod template's node selector, None removes it
    (and removing an absent key is no error, so starting a running DaemonSet is harmless)."""
    return {"spec": {"template": {"spec": {"nodeSelector": {STOPPED_LABEL: value}}}}}


def _stop(component: Component) -> tuple[list[str], list[str]]:
    """(commands, waits): backups suspended before the workloads stop; waits until their pods are gone."""
    commands = [_patch(c, {"spec": {"suspend": True}}) for c in component.of_kind("CronJob") if not c.suspended]
    waits = []
    for workload in component.of_kind(*ROLLED):
        if workload.kind in SCALED:
            commands.append(_kubectl(workload.namespace, "scale", workload.ref, "--replicas=0"))
        else:
            commands.append(_patch(workload, _node_selector("true")))
        waits.append(_kubectl(workload.namespace, "wait", "--for=delete", "pod", "-l", workload.pods, f"--timeout={TIMEOUT}"))
    return commands, waits


def _rollout_status(workload: Workload) -> str:
    return _kubectl(workload.namespace, "rollout", "status", workload.ref, f"--timeout={TIMEOUT}")


def _start(component: Component) -> tuple[list[str], list[str]]:
    """(commands, waits): the manifest's replicas and node selector back; backups resume once it runs."""
    commands = []
    for workload in component.of_kind(*ROLLED):
        if workload.kind in SCALED:
            commands.append(_kubectl(workload.namespace, "scale", workload.ref, f"--replicas={workload.replicas}"))
        else:
            commands.append(_patch(workload, _node_selector(None)))
    waits = [_rollout_status(w) for w in component.of_kind(*ROLLED)]
    waits += [_patch(c, {"spec": {"suspend": False}}) for c in component.of_kind("CronJob") if not c.suspended]
    return commands, waits


def _restart(component: Component) -> tuple[list[str], list[str]]:
    workloads = component.of_kind(*ROLLED)
    return [_kubectl(w.namespace, "rollout", "restart", w.ref) for w in workloads], [_rollout_status(w) for w in workloads]


def _status(component: Component) -> tuple[list[str], list[str]]:
    if not component.workloads:
        return [], []
    namespace = component.workloads[0].namespace
    pods = [_kubectl(w.namespace, "get", "pod", "-l", w.pods, "-o", "wide") for w in component.of_kind(*ROLLED)]
    # A finished Job deletes itself after a while (ttlSecondsAfterFinished): not an error here.
    return [_kubectl(namespace, "get", *(w.ref for w in component.workloads), "--ignore-not-found")], pods


STEPS = {"stop": _stop, "start": _start, "restart": _restart, "status": _status}
VERBS = {"stop": "stop", "start": "start", "restart": "restart", "status": "status of"}


def commands(action: str, selected: Sequence[Component]) -> list[str]:
    """The script for `action` on `selected`: comment lines and kubectl commands, one per line.

    Waves go down when stopping (dependents first) and up otherwise; within a wave every component is acted
    on first, then waited for, so the next wave begins only when this one has stopped or is ready.
    """
    if not selected:
        return []
    descending = action == "stop"
    waves = sorted({c.wave for c in selected}, reverse=descending)
    order = (f"sync waves {', '.join(map(str, waves))}: {'dependents' if descending else 'dependencies'} first"
             if len(waves) > 1 else f"sync wave {waves[0]}")
    lines = [f"# {VERBS[action]} {', '.join(c.name for c in selected)} ({order})"]
    for wave in waves:
        members = [c for c in selected if c.wave == wave]
        steps = [STEPS[action](c) for c in members]
        lines.append(f"# wave {wave}: {', '.join(c.name for c in members)}")
        lines += [f"# {c.name}: no workload" for c, (acts, waits) in zip(members, steps) if not acts and not waits]
        lines += [line for acts, _ in steps for line in acts]
        lines += [line for _, waits in steps for line in waits]
    return lines


def prune_candidates(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The objects `kubectl apply --prune --applyset=...` of NEW deletes after OLD was applied: the objects of
    OLD's `<name>.k8s.yaml` (all but the PersistentVolumes, which are published in `<name>.volumes.k8s.yaml` and
    applied without `--prune`) that NEW no longer has (by group, kind, namespace and name)."""
    kept = {object_key(document) for document in new}
    return [document for document in old if document["kind"] not in VOLUME_KINDS and object_key(document) not in kept]
