"""HostDirectories: every controller's host directories, created with the owner and mode their users need.

Components record the directories they mount (`Component.host_paths`) and declare the ones whose owner or
mode matters (`Component.declare_host_directory`: the SSH key directory 0700, MongoDB's data owned by its
uid, the 0-access index). One DaemonSet prepares them all on every controller before anything else starts,
instead of a manual `mkdir`/`chmod` list (contract §1.3), and turns unready when a directory drifts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable, Optional, Sequence

from constructs import Construct

from .component import Component, HostDirectory
from .environment import resources
from .files import script
from .pods import config_map_volume, container, exec_probe, host_path, mount, security_context
from .site import Site

HOST_ROOT = "/host"
PREPARE_CAPABILITIES = ("CHOWN", "DAC_OVERRIDE", "FOWNER")
RESOURCES = resources("10m", "16Mi", "100m", "64Mi")
ROOT_REASON = "it creates root-owned directories on the host and sets their owners (CHOWN, DAC_OVERRIDE, FOWNER only)"
SLEEP = "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"


@dataclass(frozen=True)
class RootSshKey:
    """The G8's root key pair for `directory` (`paths.ssh`): the private key from Secret `secret`, key `key`."""

    directory: str
    secret: str
    key: str
    public_key: Optional[str] = None


def plan(components: Iterable[Component]) -> list[HostDirectory]:
    """Every host directory of `components`, parents first; two different declarations of one path are an error."""
    declared: dict[str, tuple[HostDirectory, Component]] = {}
    mounted: set[str] = set()
    for component in components:
        mounted |= component.host_paths
        for path, directory in component.host_directories.items():
            earlier = declared.get(path)
            if earlier and earlier[0] != directory:
                raise ValueError(f"host directory {path}: {earlier[1].node.path} needs {earlier[0]}, "
                                 f"{component.node.path} needs {directory}")
            declared.setdefault(path, (directory, component))
    directories = {path: directory for path, (directory, _) in declared.items()}
    for path in mounted - directories.keys():
        directories[path] = HostDirectory(path)
    return [directories[path] for path in sorted(directories, key=lambda p: PurePosixPath(p).parts)]


def directory_list(directories: Sequence[HostDirectory]) -> str:
    """The prepare script's input: `MODE UID:GID SCOPE PATH` per line."""
    return "".join(f"{d.mode:o} {d.owner}:{d.group} {'-R' if d.recursive else '-'} {d.path}\n" for d in directories)


def top_level(directories: Sequence[HostDirectory]) -> list[str]:
    """The paths to mount: those without a listed ancestor (subdirectories are made inside them)."""
    paths = [PurePosixPath(d.path) for d in directories]
    return [str(p) for p in paths if not any(other in p.parents for other in paths)]


class HostDirectories(Component):
    """One pod per controller: an init container prepares `directories`, then the pod reports drift as unready.

    With `root_ssh_key` a second step installs the G8's key pair into that directory (one of `directories`),
    so management and 0-access accept the G8's key and can use it towards the nodes.
    """

    default_name = "host-directories"
    role = "host-preparation"

    def __init__(self, scope: Construct, id: str, *, site: Site, directories: Sequence[HostDirectory],
                 root_ssh_key: Optional[RootSshKey] = None, name: Optional[str] = None) -> None:
        super().__init__(scope, id, site=site, name=name, image=site.helper_image)
        if not directories:
            raise ValueError("HostDirectories needs at least one directory, got none")
        self.directories = list(directories)
        listing = directory_list(self.directories)
        self.config_map("config", {"directories": listing, "prepare.sh": script("prepare-host-directories.sh"),
                                   "install-ssh-key.sh": script("install-ssh-key.sh")})
        mounted = top_level(self.directories)
        mounts = [mount(f"dir-{i}", f"{HOST_ROOT}{path}") for i, path in enumerate(mounted)]
        check = exec_probe(["sh", "/config/prepare.sh", "--check"], initial_delay=5, period=60)
        prepare = container(
            "prepare",
            site.helper_image,
            command=["sh", "/config/prepare.sh"],
            mounts=[mount("config", "/config", read_only=True), *mounts],
            resources=RESOURCES,
            security=security_context(user=0, add_capabilities=PREPARE_CAPABILITIES),
        )
        verify = container(
            "verify",
            site.helper_image,
            command=["sh", "-c", SLEEP],
            mounts=[mount("config", "/config", read_only=True), *[mount(m["name"], m["mountPath"], read_only=True) for m in mounts]],
            resources=RESOURCES,
            security=security_context(user=0),
            liveness=exec_probe(["sh", "-c", "kill -0 1"], initial_delay=5, period=60),
            readiness=check,
        )
        init_containers, volumes = [prepare], [config_map_volume("config", self.name),
                                                *[host_path(f"dir-{i}", path) for i, path in enumerate(mounted)]]
        if root_ssh_key:
            if root_ssh_key.directory not in mounted:
                raise ValueError(f"root_ssh_key.directory {root_ssh_key.directory!r} is not one of the top-level directories {mounted}")
            volume = f"dir-{mounted.index(root_ssh_key.directory)}"
            init_containers.append(container(
                "install-ssh-key",
                site.helper_image,
                command=["sh", "/config/install-ssh-key.sh"],
                env={"SSH_DIR": "/ssh", "PRIVATE_KEY_FILE": "/secret/id_rsa", "PUBLIC_KEY": root_ssh_key.public_key or ""},
                mounts=[mount("config", "/config", read_only=True), mount("ssh-key", "/secret", read_only=True), mount(volume, "/ssh")],
                resources=RESOURCES,
                security=security_context(user=0),
            ))
            volumes.append({"name": "ssh-key", "secret": {"secretName": root_ssh_key.secret, "defaultMode": 0o400,
                                                          "items": [{"key": root_ssh_key.key, "path": "id_rsa"}]}})
        self.daemon_set(self.pod_template(
            containers=[verify],
            init_containers=init_containers,
            volumes=volumes,
            termination_grace_seconds=5,
            annotations={"checksum/directories": hashlib.sha256(listing.encode()).hexdigest()},
        ))
        for check_id in ("CKV_K8S_23", "CKV_K8S_40", "CKV_K8S_25"):
            self.skip_check(check_id, ROOT_REASON)
