"""The G8 system config the images read (`/opt/cfg/system/system-config.yaml`, contract §1.4, §7, §8).

The environment file is turned into the historical installer's *processed* format
(`installer/processed.py`). The ConfigMap `system-config` carries it without a single secret value; each
consumer pod merges in, at start, only the secret values it needs, read from their Secrets
(`merge-system-config.py`, one init container), into a pod-local file mounted where the image reads it.
"""
from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Optional, Sequence

from constructs import Construct

from .environment import Environment, resources
from .installer.processed import SecretField, processed_config
from .files import script
from .manifest import config_map
from .pods import Json, config_map_volume, container, empty_dir, mount, security_context

if TYPE_CHECKING:
    from .component import Component

CONFIG_FILE = "system-config.yaml"
CONFIG_DIR = "/opt/cfg/system"
CONFIG_PATH = f"{CONFIG_DIR}/{CONFIG_FILE}"
MERGE_RESOURCES = resources("10m", "32Mi", "200m", "64Mi")
SECRETS_DIR = "/run/g8-secrets"
CHECKSUM_ANNOTATION = "checksum/system-config"


SECRET_GROUPS = {
    "password": "environment.password (osis, agent controller and portal secret)",
    "alerta": "alerta.api_key",
    "itsyouonline": "itsyouonline.clientSecret",
    "mail": "mailclient.passwd",
    "ssh": "ssh.private-key",
    "support": "support.github.client_secret",
    "ipmi": "nodes[].ipmi.password",
    "switches": "network.cisco[].password",
}
"""What a consumer may ask for; each pod gets only the secret values its software reads."""
JUMPSCALE_SECRETS = ("password", "alerta")
"""What the JumpScale configuration step (configure-system.py) reads."""


class SystemConfig(Construct):
    """ConfigMap `system-config` (no secret values) and the pieces a pod needs to read the merged file.

    `pod_template(...)` builds a pod that reads it: the file is written into a pod-local emptyDir, so a
    subPath or directory mount sees it, and only the secret values the pod's software reads (`secrets=`
    groups of SECRET_GROUPS) are projected into that pod.
    """

    def __init__(self, scope: Construct, id: str, *, environment: Environment, image: str) -> None:
        super().__init__(scope, id)
        self.config, self.secrets = processed_config(environment)
        self.image = image
        self.text = json.dumps(self.config, indent=2, sort_keys=True) + "\n"
        fields = json.dumps([{"path": list(f.path), "file": f.file, "group": f.group} for f in self.secrets], indent=2) + "\n"
        # Readers get the file at pod start only (a subPath never updates): a change must roll their pods.
        self.checksum = hashlib.sha256((self.text + fields).encode()).hexdigest()
        self.config_map_name = "system-config"
        self.config_map = config_map(
            self,
            "config-map",
            name=self.config_map_name,
            labels={"app.kubernetes.io/name": "system-config"},
            data={
                # JSON is YAML: every reader (PyYAML) loads it as the installer's YAML.
                CONFIG_FILE: self.text,
                "secret-fields.json": fields,
                "merge-system-config.py": script("merge-system-config.py"),
            },
        )

    def secret_volume(self, groups: Sequence[str]) -> Json:
        """Only the secret values of `groups`, as files `<secret>/<key>` (a missing key stops the pod at start)."""
        by_secret: dict[str, list[SecretField]] = {}
        for field in self.secrets:
            if field.group in groups:
                by_secret.setdefault(field.ref.secret, []).append(field)
        sources = [{"secret": {"name": secret, "items": [{"key": f.ref.key, "path": f.file} for f in fields]}}
                   for secret, fields in sorted(by_secret.items())]
        return {"name": "g8-secrets", "projected": {"sources": sources, "defaultMode": 0o400}}

    def pod_template(
        self,
        component: Component,
        *,
        secrets: Sequence[str],
        containers: Sequence[Json],
        init_containers: Sequence[Json] = (),
        volumes: Sequence[Json] = (),
        annotations: Optional[dict] = None,
        **options,
    ) -> Json:
        """`component`'s pod reading the system config: the merge step runs before `init_containers`, and a
        config change rolls the pod (a subPath mount never sees updates). Mount the result with
        `file_mount` or `dir_mount`."""
        merge, config_volumes = self._consumer(secrets)
        return component.pod_template(
            containers=containers,
            init_containers=[merge, *init_containers],
            volumes=[*config_volumes, *volumes],
            annotations={**(annotations or {}), CHECKSUM_ANNOTATION: self.checksum},
            **options,
        )

    def _consumer(self, groups: Sequence[str]) -> tuple[Json, list[Json]]:
        """The merge init container, with only the Secret keys of `groups` projected, and its volumes."""
        unknown = sorted(set(groups) - set(SECRET_GROUPS))
        if unknown:
            raise ValueError(f"unknown secret group(s) {unknown}; known: {sorted(SECRET_GROUPS)}")
        merge = container(
            "merge-system-config",
            self.image,
            command=["python3", "/opt/ovc/merge-system-config.py", f"/opt/ovc/{CONFIG_FILE}", "/opt/ovc/secret-fields.json",
                     SECRETS_DIR, f"/out/{CONFIG_FILE}", ",".join(sorted(set(groups)))],
            mounts=[mount("system-config-template", "/opt/ovc", read_only=True), mount("g8-secrets", SECRETS_DIR, read_only=True),
                    mount("system-config", "/out")],
            resources=MERGE_RESOURCES,
            # The projected secret files are root's (0400); python3 of the release image (phusion), no capability.
            security=security_context(user=0),
        )
        volumes = [
            config_map_volume("system-config-template", self.config_map_name, mode=0o444),
            self.secret_volume(groups),
            # The merged file holds secret values: in memory, like the Secret volumes it comes from.
            empty_dir("system-config", "1Mi", memory=True),
        ]
        return merge, volumes


def file_mount() -> Json:
    """The merged file at `/opt/cfg/system/system-config.yaml` (subPath, contract §1.4)."""
    return mount("system-config", CONFIG_PATH, read_only=True, sub_path=CONFIG_FILE)


def dir_mount(path: str = CONFIG_DIR) -> Json:
    """The merged file in a directory (`/opt/cfg/system`, or `/etc/global` for pxeboot-init)."""
    return mount("system-config", path, read_only=True)
