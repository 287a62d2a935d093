"""What the Jumpscale 7 images (osis, portal, agent controller, jsagent) have in common."""
from __future__ import annotations

import hashlib
from typing import Mapping, Optional, Sequence, Union


from . import system_config
from .component import Component
from .environment import Resources, resources
from .pods import Json, container, empty_dir, exec_probe, host_path, http_probe, mount, security_context

CONFIG_DIR = "/opt/jumpscale7/cfg"
SYSTEM_SCRIPTS = "/var/run/scripts/system"
PORTAL_SCRIPTS = "/var/run/scripts/portal"
REDIS_PORT = 9999
JSAGENT_PORT = 4446
BILLING_DIR = "/opt/jumpscale7/var/resourcetracking"
ROOT_REASON = "jumpscale 7 images run jspython as root and write under /opt/jumpscale7 (no non-root variant)"
CONFIGURE_RESOURCES = resources("50m", "128Mi", "1", "512Mi")


def jumpscale_security() -> Json:
    """Root (the images need it) but without any capability or privilege escalation."""
    return security_context(user=0, read_only_root=False)


def skip_root_checks(component: Component) -> None:
    """Record, on the workload only, why the non-root checks cannot hold for a Jumpscale image."""
    for check in ("CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_40"):
        component.skip_check(check, ROOT_REASON)


def config_volume() -> Json:
    return empty_dir("jumpscale-cfg")


def config_mount() -> Json:
    return mount("jumpscale-cfg", CONFIG_DIR)


def machine_guids(prefix: str, node_names: Sequence[str]) -> dict[str, str]:
    """A stable 12-hex-digit machine GUID per node for an agent that runs on every node (never shared).

    Derived from the node name, not its position, so reordering the nodes changes nothing.
    """
    return {name: prefix + hashlib.sha256(name.encode()).hexdigest()[: 12 - len(prefix)] for name in node_names}


def system_init(
    image: str,
    *,
    roles: Sequence[str] = ("node",),
    machine_guid: Union[None, str, Mapping[str, str]] = None,
    controller_addr: Optional[str] = None,
    then: Sequence[str] = (),
    mounts: Sequence[Json] = (),
) -> Json:
    """The JumpScale configuration step (contract §2.3, §2.4): `configure-system.py` patches the image's
    configuration with the grid id, roles, machine GUID and environment password, and copies it into the
    pod's configuration volume. `machine_guid` per node name is picked at start from `$NODE_NAME`;
    `then` are further commands of the same step (the portal bootstrap)."""
    argv = ["jspython", f"{SYSTEM_SCRIPTS}/configure-system.py"]
    if tuple(roles) != ("node",):
        argv += ["--roles", ",".join(roles)]
    if isinstance(machine_guid, str):
        argv += ["--machineguid", machine_guid]
    elif machine_guid is not None:
        argv += ["--machineguid", '"$guid"']
    if controller_addr:
        argv += ["--controller-addr", controller_addr]
    per_node = isinstance(machine_guid, Mapping)
    if per_node or then:
        lines = ["set -e"]
        if per_node:
            cases = "".join(f"  {name}) guid={guid} ;;\n" for name, guid in sorted(machine_guid.items()))
            lines.append(f'case "$NODE_NAME" in\n{cases}  *) echo "no machine GUID for node $NODE_NAME" >&2; exit 1 ;;\nesac')
        lines += [" ".join(argv), *then]
        command, env_fields = ["/bin/bash", "-c", "\n".join(lines) + "\n"], {"NODE_NAME": "spec.nodeName"} if per_node else {}
    else:
        command, env_fields = argv, {}
    return container(
        "system-init",
        image,
        command=command,
        working_dir=SYSTEM_SCRIPTS,
        env_from_fields=env_fields,
        mounts=[mount("jumpscale-cfg", "/opt/cfgdir"), system_config.file_mount(), *mounts],
        resources=CONFIGURE_RESOURCES,
        security=jumpscale_security(),
    )


def pod_template(
    component: Component,
    config: system_config.SystemConfig,
    configure: Json,
    *,
    containers: Sequence[Json],
    init_containers: Sequence[Json] = (),
    volumes: Sequence[Json] = (),
    secrets: Sequence[str] = system_config.JUMPSCALE_SECRETS,
    **options,
) -> Json:
    """A pod of JumpScale processes: the system config merged, then `configure` (a `system_init`) fills the
    configuration volume that the containers mount over the image's own (the cfg-dir pattern, §2.3)."""
    return config.pod_template(
        component,
        secrets=secrets,
        containers=containers,
        init_containers=[configure, *init_containers],
        volumes=[config_volume(), *volumes],
        **options,
    )


def billing_volume(path: str) -> Json:
    """The capnp billing files on the node (synced to every node by BillingSync)."""
    return host_path("billing", path)


def billing_mount() -> Json:
    return mount("billing", BILLING_DIR)


def redis_sidecar(image: str, resources: Resources) -> Json:
    """The redis the Jumpscale processes of a pod expect on localhost:9999 (FACTS), not reachable from outside."""
    return container(
        "redis",
        image,
        args=["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--maxmemory", "100mb",
              "--maxmemory-policy", "allkeys-lru", "--save", ""],
        mounts=[mount("redis-data", "/data")],
        resources=resources,
        security=security_context(),
        liveness=exec_probe(["redis-cli", "-p", str(REDIS_PORT), "ping"], initial_delay=5),
        readiness=exec_probe(["redis-cli", "-p", str(REDIS_PORT), "ping"], initial_delay=2, period=5),
    )


def redis_volume() -> Json:
    return empty_dir("redis-data", "128Mi")


def jsagent(image: str, resources: Resources, *, mounts=()) -> Json:
    """A jsagent (`jsagent.py -i main`), answering `/ping` on 4446."""
    return container(
        "jsagent",
        image,
        command=["jspython", "jsagent.py", "-i", "main"],
        working_dir="/opt/jumpscale7/apps/jsagent",
        ports={"jsagent": JSAGENT_PORT},
        mounts=[config_mount(), *mounts],
        resources=resources,
        security=jumpscale_security(),
        liveness=http_probe("/ping", JSAGENT_PORT, initial_delay=30),
        readiness=http_probe("/ping", JSAGENT_PORT, initial_delay=10),
    )
