"""What the Jumpscale 7 images (osis, portal, agent controller, jsagent) have in common."""
from __future__ import annotations

from cdk8s_plus_27 import k8s

from .component import Component
from .environment import Resources, resources
from .pods import container, empty_dir, exec_probe, host_path, http_probe, mount, security_context

CONFIG_DIR = "/opt/jumpscale7/cfg"
REDIS_PORT = 9999
JSAGENT_PORT = 4446
BILLING_DIR = "/opt/jumpscale7/var/resourcetracking"
ROOT_REASON = "jumpscale 7 images run jspython as root and write under /opt/jumpscale7 (no non-root variant)"
SEED_RESOURCES = resources("10m", "32Mi", "200m", "128Mi")


def jumpscale_security() -> k8s.SecurityContext:
    """Root (the images need it) but without any capability or privilege escalation."""
    return security_context(user=0, read_only_root=False)


def skip_root_checks(component: Component) -> None:
    """Record, on the workload only, why the non-root checks cannot hold for a Jumpscale image."""
    for check in ("CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_40"):
        component.skip_check(check, ROOT_REASON)


def config_volume() -> k8s.Volume:
    return empty_dir("jumpscale-cfg")


def config_mount() -> k8s.VolumeMount:
    return mount("jumpscale-cfg", CONFIG_DIR)


def config_seed(image: str) -> k8s.Container:
    """Copy the image's own configuration directory into the writable volume mounted over it."""
    return container(
        "seed-jumpscale-cfg",
        image,
        command=["sh", "-c", f"cp -a {CONFIG_DIR}/. /seed/"],
        mounts=[mount("jumpscale-cfg", "/seed")],
        resources=SEED_RESOURCES,
        security=jumpscale_security(),
    )


def pod_template(component: Component, image: str, *, containers, init_containers=(), volumes=(), **options) -> k8s.PodTemplateSpec:
    """A pod of a Jumpscale image: its configuration directory is writable, seeded from `image` first."""
    return component.pod_template(
        containers=containers,
        init_containers=[config_seed(image), *init_containers],
        volumes=[config_volume(), *volumes],
        **options,
    )


def billing_volume(path: str) -> k8s.Volume:
    """The capnp billing files on the node (synced to every node by BillingSync)."""
    return host_path("billing", path)


def billing_mount() -> k8s.VolumeMount:
    return mount("billing", BILLING_DIR)


def redis_sidecar(image: str, resources: Resources) -> k8s.Container:
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


def redis_volume() -> k8s.Volume:
    return empty_dir("redis-data", "128Mi")


def jsagent(image: str, resources: Resources, *, mounts=()) -> k8s.Container:
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
