"""The agent stack: the agent controller with its jsagent and redis (seed 000), and the general jsagent (seed 001)."""
from __future__ import annotations

from typing import Optional

from constructs import Construct

from . import jumpscale
from .component import Component, Exposure, ServicePort
from .environment import AgentSettings
from .osis import OsisDaemon
from .pods import container, http_probe
from .site import Site

AGENTCONTROLLER_PORT = 4444


def _jsagent_with_redis(settings: AgentSettings, billing_host_path: str) -> tuple[list, list]:
    """A jsagent with the redis it expects on localhost:9999, and the billing host path it writes to."""
    containers = [
        jumpscale.jsagent(settings.jsagent_image, settings.jsagent_resources, mounts=[jumpscale.billing_mount()]),
        jumpscale.redis_sidecar(settings.redis_image, settings.redis_resources),
    ]
    return containers, [jumpscale.billing_volume(billing_host_path), jumpscale.redis_volume()]


class AgentController(Component):
    """Agent controller, a jsagent and redis in one single-instance pod, so they share redis on localhost.

    Reached as `agentcontroller:4444` and on the management IPs. Not pinned: if its node dies the pod
    starts on another controller, where BillingSync has replicated the billing files.
    """

    health_path = "/ping"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        osis: OsisDaemon,
        settings: AgentSettings = AgentSettings(),
        billing_host_path: str = "/var/ovc/billing",
        site: Optional[Site] = None,
        exposure: Exposure = Exposure.INTERNAL | Exposure.KUBERNETES,
    ) -> None:
        site = site or osis.site
        super().__init__(scope, id, site=site, name="agentcontroller", role="controller", image=settings.agentcontroller_image)
        controller = container(
            "agentcontroller",
            settings.agentcontroller_image,
            command=["jspython", "controller.py", "-i", "main"],
            working_dir="/opt/jumpscale7/apps/agentcontroller",
            ports={"agentcontroller": AGENTCONTROLLER_PORT},
            mounts=[jumpscale.config_mount()],
            resources=settings.agentcontroller_resources,
            security=jumpscale.jumpscale_security(),
            liveness=http_probe("/ping", AGENTCONTROLLER_PORT, initial_delay=30),
            readiness=http_probe("/ping", AGENTCONTROLLER_PORT, initial_delay=10),
        )
        agent, volumes = _jsagent_with_redis(settings, billing_host_path)
        self.deployment(
            jumpscale.pod_template(self, settings.agentcontroller_image, containers=[controller, *agent], volumes=volumes)
        )
        jumpscale.skip_root_checks(self)
        self.expose(exposure, [ServicePort("agentcontroller", AGENTCONTROLLER_PORT, node_port=settings.node_port)])
        self.depends_on(osis)


class GeneralJsAgent(Component):
    """The controller jsagent (seed 001) that runs jumpscripts not tied to a node, with its own redis."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        osis: OsisDaemon,
        agentcontroller: AgentController,
        settings: AgentSettings = AgentSettings(),
        billing_host_path: str = "/var/ovc/billing",
        site: Optional[Site] = None,
    ) -> None:
        site = site or osis.site
        super().__init__(scope, id, site=site, name="jsagent", role="worker", image=settings.jsagent_image)
        agent, volumes = _jsagent_with_redis(settings, billing_host_path)
        self.deployment(jumpscale.pod_template(self, settings.jsagent_image, containers=agent, volumes=volumes))
        jumpscale.skip_root_checks(self)
        self.depends_on(osis)
        self.depends_on(agentcontroller)
