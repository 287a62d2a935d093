"""Building blocks for containers and volumes, as the API's JSON, with deliberate (not library) defaults.

Every container states its user, writable paths, capabilities, resources and probes; nothing is left
to cdk8s-plus defaults, which do not fit images such as mongo, nginx and redis. The values are plain
dicts in the API's field names (`manifest.py` says why); `None` fields are left out at synthesis.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from .environment import Resources

Json = dict[str, Any]
"""A Kubernetes object or part of one, in the API's own field names (`volumeMounts`, `runAsUser`)."""

UNPRIVILEGED_UID = 10001
"""The uid for images that run as any user (checkov wants uids >= 10000, away from host users)."""
NGINX_UID = 10101
"""nginx images run unprivileged (ports above 1024, writable paths under /tmp)."""


def security_context(
    *,
    user: Optional[int] = UNPRIVILEGED_UID,
    read_only_root: bool = True,
    add_capabilities: Sequence[str] = (),
    privileged: bool = False,
) -> Json:
    """Least privilege: all capabilities dropped except `add_capabilities`, no escalation.

    `user=0` is for images that must start as root; they still lose every capability not listed.
    """
    return {
        "allowPrivilegeEscalation": privileged,
        "privileged": privileged,
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": user != 0,
        "runAsUser": user,
        "runAsGroup": user,
        "capabilities": {"drop": ["ALL"], "add": list(add_capabilities) or None},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resource_requirements(resources: Resources) -> Json:
    return {
        "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
        "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
    }


def _probe(handler: str, action: Json, initial_delay: int, period: int, failures: int) -> Json:
    return {handler: action, "initialDelaySeconds": initial_delay, "periodSeconds": period, "timeoutSeconds": 5,
            "failureThreshold": failures}


def http_probe(
    path: str, port: int, *, host: Optional[str] = None, initial_delay: int = 10, period: int = 10, failures: int = 3
) -> Json:
    return _probe("httpGet", {"path": path, "port": port, "host": host}, initial_delay, period, failures)


def exec_probe(command: Sequence[str], *, initial_delay: int = 10, period: int = 10, failures: int = 3) -> Json:
    return _probe("exec", {"command": list(command)}, initial_delay, period, failures)


def tcp_probe(port: int, *, host: Optional[str] = None, initial_delay: int = 10, period: int = 10, failures: int = 3) -> Json:
    return _probe("tcpSocket", {"port": port, "host": host}, initial_delay, period, failures)


def container(
    name: str,
    image: str,
    *,
    resources: Resources,
    security: Json,
    liveness: Optional[Json] = None,
    readiness: Optional[Json] = None,
    startup: Optional[Json] = None,
    command: Optional[Sequence[str]] = None,
    args: Optional[Sequence[str]] = None,
    ports: Mapping[str, int] = {},
    udp_ports: Mapping[str, int] = {},
    env: Mapping[str, str] = {},
    env_from_fields: Mapping[str, str] = {},
    mounts: Sequence[Json] = (),
    working_dir: Optional[str] = None,
    lifecycle: Optional[Json] = None,
) -> Json:
    """A container with an explicit pull policy (IfNotPresent: a G8 may be air-gapped)."""
    env_vars = [{"name": k, "value": v} for k, v in env.items()] + [
        {"name": k, "valueFrom": {"fieldRef": {"fieldPath": v}}} for k, v in env_from_fields.items()
    ]
    declared_ports = [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ports.items()] + [
        {"name": n, "containerPort": p, "protocol": "UDP"} for n, p in udp_ports.items()
    ]
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": list(command) if command else None,
        "args": list(args) if args else None,
        "ports": declared_ports or None,
        "env": env_vars or None,
        "volumeMounts": list(mounts) or None,
        "workingDir": working_dir,
        "resources": resource_requirements(resources),
        "securityContext": security,
        "livenessProbe": liveness,
        "readinessProbe": readiness,
        "startupProbe": startup,
        "lifecycle": lifecycle,
    }


def mount(volume: str, path: str, *, read_only: bool = False, sub_path: Optional[str] = None) -> Json:
    return {"name": volume, "mountPath": path, "readOnly": read_only or None, "subPath": sub_path}


def empty_dir(name: str, size_limit: str = "64Mi", *, memory: bool = False) -> Json:
    """A writable scratch path for a container with a read-only root filesystem; `memory` keeps it off the node's disk."""
    return {"name": name, "emptyDir": {"medium": "Memory" if memory else None, "sizeLimit": size_limit}}


def host_path(name: str, path: str, kind: str = "DirectoryOrCreate") -> Json:
    return {"name": name, "hostPath": {"path": path, "type": kind}}


def config_map_volume(name: str, config_map: str, *, mode: int = 0o444, keys: Sequence[str] = ()) -> Json:
    """A ConfigMap as files; with `keys`, only those keys appear."""
    items = [{"key": key, "path": key} for key in keys] or None
    return {"name": name, "configMap": {"name": config_map, "defaultMode": mode, "items": items}}


def secret_volume(name: str, secret: str, *, mode: int = 0o400) -> Json:
    return {"name": name, "secret": {"secretName": secret, "defaultMode": mode}}


def image_tag(image: str) -> str:
    """The tag of an image reference, for the `app.kubernetes.io/version` label."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "digest"
