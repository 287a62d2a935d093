"""The G8's release manifest as ConfigMap `versions-manifest` (contract §1.2, §1.5)."""
from __future__ import annotations

import yaml
from constructs import Construct

from .environment import Environment
from .manifest import config_map
from .release import versions_manifest


class VersionsManifest(Construct):
    """ConfigMap `versions-manifest` (key `versions-manifest.yaml`): read by the portal bootstrap, served by ovc-versions."""

    FILE = "versions-manifest.yaml"

    def __init__(self, scope: Construct, id: str, *, environment: Environment) -> None:
        super().__init__(scope, id)
        self.manifest = versions_manifest(environment)
        self.text = yaml.safe_dump(self.manifest, sort_keys=False)
        self.config_map_name = "versions-manifest"
        self.config_map = config_map(self, "config-map", name=self.config_map_name, labels={"app.kubernetes.io/name": "versions-manifest"},
                                     data={self.FILE: self.text})
