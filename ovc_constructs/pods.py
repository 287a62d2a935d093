"""Typed building blocks for containers and volumes, with deliberate (not library) defaults.

Every container states its user, writable paths, capabilities, resources and probes; nothing is left
to cdk8s-plus defaults, which do not fit images such as mongo, nginx and redis.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Optional, Sequence

from cdk8s_plus_27 import k8s

from .environment import Resources

UNPRIVILEGED_UID = 10001
"""The uid for images that run as any user (checkov wants uids >= 10000, away from host users)."""
NGINX_UID = 10101
"""nginx images run unprivileged (ports above 1024, writable paths under /tmp)."""


@lru_cache(maxsize=None)
def quantity(text: str) -> k8s.Quantity:
    """One jsii object per distinct quantity (each `Quantity.fromString` is a round trip to the jsii kernel)."""
    return k8s.Quantity.from_string(text)


@lru_cache(maxsize=None)
def int_or_string(number: int) -> k8s.IntOrString:
    """One jsii object per distinct number (ports, counts), for the same reason."""
    return k8s.IntOrString.from_number(number)


def security_context(
    *,
    user: Optional[int] = UNPRIVILEGED_UID,
    read_only_root: bool = True,
    add_capabilities: Sequence[str] = (),
    privileged: bool = False,
) -> k8s.SecurityContext:
    """Least privilege: all capabilities dropped except `add_capabilities`, no escalation.

    `user=0` is for images that must start as root; they still lose every capability not listed.
    """
    return k8s.SecurityContext(
        allow_privilege_escalation=privileged,
        privileged=privileged,
        read_only_root_filesystem=read_only_root,
        run_as_non_root=user != 0,
        run_as_user=user,
        run_as_group=user,
        capabilities=k8s.Capabilities(drop=["ALL"], add=list(add_capabilities) or None),
        seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"),
    )


def resource_requirements(resources: Resources) -> k8s.ResourceRequirements:
    return k8s.ResourceRequirements(
        requests={
            "cpu": quantity(resources.cpu_request),
            "memory": quantity(resources.memory_request),
        },
        limits={
            "cpu": quantity(resources.cpu_limit),
            "memory": quantity(resources.memory_limit),
        },
    )


def http_probe(
    path: str, port: int, *, host: Optional[str] = None, initial_delay: int = 10, period: int = 10, failures: int = 3
) -> k8s.Probe:
    return k8s.Probe(
        http_get=k8s.HttpGetAction(path=path, port=int_or_string(port), host=host),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=5,
        failure_threshold=failures,
    )


def exec_probe(command: Sequence[str], *, initial_delay: int = 10, period: int = 10, failures: int = 3) -> k8s.Probe:
    return k8s.Probe(
        exec=k8s.ExecAction(command=list(command)),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=5,
        failure_threshold=failures,
    )


def tcp_probe(port: int, *, host: Optional[str] = None, initial_delay: int = 10, period: int = 10, failures: int = 3) -> k8s.Probe:
    return k8s.Probe(
        tcp_socket=k8s.TcpSocketAction(port=int_or_string(port), host=host),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=5,
        failure_threshold=failures,
    )


def container(
    name: str,
    image: str,
    *,
    resources: Resources,
    security: k8s.SecurityContext,
    liveness: Optional[k8s.Probe] = None,
    readiness: Optional[k8s.Probe] = None,
    startup: Optional[k8s.Probe] = None,
    command: Optional[Sequence[str]] = None,
    args: Optional[Sequence[str]] = None,
    ports: Mapping[str, int] = {},
    udp_ports: Mapping[str, int] = {},
    env: Mapping[str, str] = {},
    env_from_fields: Mapping[str, str] = {},
    mounts: Sequence[k8s.VolumeMount] = (),
    working_dir: Optional[str] = None,
    lifecycle: Optional[k8s.Lifecycle] = None,
) -> k8s.Container:
    """A container with an explicit pull policy (IfNotPresent: a G8 may be air-gapped)."""
    env_vars = [k8s.EnvVar(name=k, value=v) for k, v in env.items()] + [
        k8s.EnvVar(name=k, value_from=k8s.EnvVarSource(field_ref=k8s.ObjectFieldSelector(field_path=v)))
        for k, v in env_from_fields.items()
    ]
    declared_ports = [k8s.ContainerPort(name=n, container_port=p, protocol="TCP") for n, p in ports.items()] + [
        k8s.ContainerPort(name=n, container_port=p, protocol="UDP") for n, p in udp_ports.items()
    ]
    return k8s.Container(
        name=name,
        image=image,
        image_pull_policy="IfNotPresent",
        command=list(command) if command else None,
        args=list(args) if args else None,
        ports=declared_ports or None,
        env=env_vars or None,
        volume_mounts=list(mounts) or None,
        working_dir=working_dir,
        resources=resource_requirements(resources),
        security_context=security,
        liveness_probe=liveness,
        readiness_probe=readiness,
        startup_probe=startup,
        lifecycle=lifecycle,
    )


def mount(volume: str, path: str, *, read_only: bool = False, sub_path: Optional[str] = None) -> k8s.VolumeMount:
    return k8s.VolumeMount(name=volume, mount_path=path, read_only=read_only or None, sub_path=sub_path)


def empty_dir(name: str, size_limit: str = "64Mi", *, memory: bool = False) -> k8s.Volume:
    """A writable scratch path for a container with a read-only root filesystem; `memory` keeps it off the node's disk."""
    return k8s.Volume(name=name, empty_dir=k8s.EmptyDirVolumeSource(
        medium="Memory" if memory else None, size_limit=quantity(size_limit)))


def host_path(name: str, path: str, kind: str = "DirectoryOrCreate") -> k8s.Volume:
    return k8s.Volume(name=name, host_path=k8s.HostPathVolumeSource(path=path, type=kind))


def config_map_volume(name: str, config_map: str, *, mode: int = 0o444, keys: Sequence[str] = ()) -> k8s.Volume:
    """A ConfigMap as files; with `keys`, only those keys appear."""
    items = [k8s.KeyToPath(key=key, path=key) for key in keys] or None
    return k8s.Volume(name=name, config_map=k8s.ConfigMapVolumeSource(name=config_map, default_mode=mode, items=items))


def secret_volume(name: str, secret: str, *, mode: int = 0o400) -> k8s.Volume:
    return k8s.Volume(name=name, secret=k8s.SecretVolumeSource(secret_name=secret, default_mode=mode))


def image_tag(image: str) -> str:
    """The tag of an image reference, for the `app.kubernetes.io/version` label."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "digest"
