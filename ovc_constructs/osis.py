"""OsisDaemon: the Jumpscale object store in front of MongoDB, one per controller node."""
from __future__ import annotations

from typing import Optional

from constructs import Construct

from . import jumpscale
from .component import Component, Exposure, ServicePort
from .environment import OsisSettings
from .mongo import ReplicatedMongo
from .pods import container, http_probe
from .site import Site
from .system_config import SystemConfig

OSIS_PORT = 5544


class OsisDaemon(Component):
    """Osis on every controller node (DaemonSet), reached as `osis:5544` and, for the physical nodes, on the
    controllers' management and backplane IPs. Configured by the JumpScale step from `system_config`."""

    health_path = "/ping"

    default_name = "osis"
    role = "api"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        mongo: ReplicatedMongo,
        system_config: SystemConfig,
        settings: OsisSettings = OsisSettings(),
        site: Optional[Site] = None,
        exposure: Exposure = Exposure.INTERNAL | Exposure.KUBERNETES,
        name: Optional[str] = None,
    ) -> None:
        site = site or mongo.site
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        self.settings = settings
        osis = container(
            "osis",
            settings.image,
            command=["jspython", "osisServerStart.py", "main"],
            working_dir="/opt/jumpscale7/apps/osis",
            ports={"osis": OSIS_PORT},
            mounts=[jumpscale.config_mount()],
            resources=settings.resources,
            security=jumpscale.jumpscale_security(),
            liveness=http_probe("/ping", OSIS_PORT, initial_delay=30),
            readiness=http_probe("/ping", OSIS_PORT, initial_delay=10),
        )
        # Plain `node` role and no machine GUID: osis runs no agent (contract §2.4).
        configure = jumpscale.system_init(settings.image)
        self.daemon_set(jumpscale.pod_template(self, system_config, configure, containers=[osis]))
        jumpscale.skip_root_checks(self)
        self.expose(exposure, [ServicePort("osis", OSIS_PORT, node_port=settings.node_port)])
        self.depends_on(mongo)
