"""What the Jumpscale 7 images (osis, portal, agent controller, jsagent) have in common."""
from __future__ import annotations

from cdk8s_plus_27 import k8s

from .component import Component
from .environment import resources
from .pods import container, empty_dir, mount, security_context

CONFIG_DIR = "/opt/jumpscale7/cfg"
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
