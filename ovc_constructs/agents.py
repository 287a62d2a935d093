"""The agent stack: the agent controller with its jsagent and redis (seed 000), and the general jsagent (seed 001)."""
from __future__ import annotations

from typing import Optional

from constructs import Construct

from . import jumpscale
from .component import ROOT_SSH_DIR, Component, Exposure, ServicePort
from .environment import AgentSettings
from .osis import OsisDaemon
from .pods import container, http_probe
from .pods import mount
from .site import Site
from .system_config import SystemConfig

AGENTCONTROLLER_PORT = 4444
AGENTCONTROLLER_GUID = "000000000002"
CONTROLLER_JSAGENT_GUID = "000000000001"
AGENTCONTROLLER_HOSTNAME = "agentcontroller"
CONTROLLER_JSAGENT_HOSTNAME = "controller-jsagent"
"""The installer's pod hostnames (contract §3.3, §3.4): stable across restarts, unlike a Deployment pod's name."""


def _jsagent_with_redis(settings: AgentSettings, billing_host_path: str, *, mounts=()) -> tuple[list, list]:
    """A jsagent with the redis it expects on localhost:9999, and the billing host path it writes to."""
    containers = [
        jumpscale.jsagent(settings.jsagent_image, settings.jsagent_resources, mounts=[jumpscale.billing_mount(), *mounts]),
        jumpscale.redis_sidecar(settings.redis_image, settings.redis_resources),
    ]
    return containers, [jumpscale.billing_volume(billing_host_path), jumpscale.redis_volume()]


class AgentController(Component):
    """Agent controller, a jsagent and redis in one single-instance pod, so they share redis on localhost.

    Reached as `agentcontroller:4444` and on every controller's management and backplane IPs. One instance only: every
    node's jsagent keeps one session with it and jobs are queued in its pod-local redis, so a second
    controller would split the queue. Not pinned: if its node dies the pod starts on another controller,
    where BillingSync has replicated the billing files.
    """

    health_path = "/ping"

    default_name = "agentcontroller"
    role = "controller"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        osis: OsisDaemon,
        system_config: SystemConfig,
        settings: AgentSettings = AgentSettings(),
        billing_host_path: str = "/var/ovc/billing",
        site: Optional[Site] = None,
        exposure: Exposure = Exposure.INTERNAL | Exposure.KUBERNETES,
        name: Optional[str] = None,
    ) -> None:
        site = site or osis.site
        super().__init__(scope, id, site=site, name=name, image=settings.agentcontroller_image)
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
        # The master role cleans osis health records (osis must answer first); its own jsagent dials 127.0.0.1.
        configure = jumpscale.system_init(settings.agentcontroller_image, roles=("master", "node"),
                                          machine_guid=AGENTCONTROLLER_GUID, controller_addr="127.0.0.1")
        self.deployment(
            jumpscale.pod_template(self, system_config, configure, containers=[controller, *agent], volumes=volumes,
                                   hostname=AGENTCONTROLLER_HOSTNAME)
        )
        jumpscale.skip_root_checks(self)
        self.expose(exposure, [ServicePort("agentcontroller", AGENTCONTROLLER_PORT, node_port=settings.node_port)])
        self.depends_on(osis)


class GeneralJsAgent(Component):
    """The controller jsagent (seed 001; `controller-jsagent` of contract §3.4) that runs jumpscripts not tied
    to a node, with its own redis, roles controller,node and machine GUID 000000000001."""

    default_name = "jsagent"
    role = "worker"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        osis: OsisDaemon,
        agentcontroller: AgentController,
        system_config: SystemConfig,
        settings: AgentSettings = AgentSettings(),
        billing_host_path: str = "/var/ovc/billing",
        ssh_host_path: str = "/var/ovc/.ssh",
        site: Optional[Site] = None,
        name: Optional[str] = None,
    ) -> None:
        site = site or osis.site
        super().__init__(scope, id, site=site, name=name, image=settings.jsagent_image)
        # It reaches the nodes over SSH with the G8's root key (contract §3.4).
        agent, volumes = _jsagent_with_redis(settings, billing_host_path, mounts=[mount("root-ssh", ROOT_SSH_DIR)])
        configure = jumpscale.system_init(settings.jsagent_image, roles=("controller", "node"), machine_guid=CONTROLLER_JSAGENT_GUID)
        self.deployment(jumpscale.pod_template(self, system_config, configure, containers=agent,
                                               volumes=[*volumes, self.root_ssh_volume(ssh_host_path)],
                                               hostname=CONTROLLER_JSAGENT_HOSTNAME))
        jumpscale.skip_root_checks(self)
        self.depends_on(osis)
        self.depends_on(agentcontroller)
