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

OSIS_PORT = 5544


class OsisDaemon(Component):
    """Osis on every controller node (DaemonSet), reached as `osis:5544` and on the management IPs."""

    health_path = "/ping"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        mongo: ReplicatedMongo,
        settings: OsisSettings = OsisSettings(),
        site: Optional[Site] = None,
        exposure: Exposure = Exposure.INTERNAL | Exposure.KUBERNETES,
    ) -> None:
        site = site or mongo.site
        super().__init__(scope, id, site=site, name="osis", role="api", image=settings.image)
        self.settings = settings
        osis = container(
            "osis",
            settings.image,
            command=["jspython", "osisServerStart.py", "main"],
            working_dir="/opt/jumpscale7/apps/osis",
            ports={"osis": OSIS_PORT},
            env={"MONGODB_URI": mongo.connection_uri},
            mounts=[jumpscale.config_mount()],
            resources=settings.resources,
            security=jumpscale.jumpscale_security(),
            liveness=http_probe("/ping", OSIS_PORT, initial_delay=30),
            readiness=http_probe("/ping", OSIS_PORT, initial_delay=10),
        )
        self.daemon_set(
            jumpscale.pod_template(self, settings.image, containers=[osis])
        )
        jumpscale.skip_root_checks(self)
        self.expose(exposure, [ServicePort("osis", OSIS_PORT, node_port=settings.node_port)])
        self.depends_on(mongo)
