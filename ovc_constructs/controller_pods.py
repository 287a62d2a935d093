"""The remaining controller pods of a running G8 (seed 001): management, zero-access, uptime-monitor,
qa, and ovc-versions, which serves the G8's release manifest."""
from __future__ import annotations

import hashlib
from typing import Optional, Sequence

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import jumpscale
from .component import Component, Exposure, ServicePort
from .environment import ManagementSettings, QaSettings, ServiceSettings, UptimeMonitorSettings, VersionsSettings, ZeroAccessSettings
from .pods import NGINX_UID, config_map_volume, container, empty_dir, exec_probe, host_path, http_probe, mount, security_context, tcp_probe
from .pxeboot import render_static_nginx_config
from .versions_manifest import VersionsManifest
from .site import Site
from .system_config import CONFIG_DIR, JUMPSCALE_SECRETS, SECRET_GROUPS, SystemConfig, dir_mount, file_mount

UPTIME_PORT = 9500
VERSIONS_PORT = 8080
VERSIONS_HEALTH_PORT = 8081


class ControllerService(Component):
    """A single-instance OpenvCloud service pod with its ports and exposures from the environment.

    It reads the system config (merged with the secret values of `secrets`) as a file (`config_dir=None`)
    or as a directory; `jumpscale=True` adds the JumpScale configuration step and configuration volume
    (contract §2.3). `ports[0]` is the port published by an internal or public exposure.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        site: Site,
        name: str,
        role: str,
        settings: ServiceSettings,
        system_config: SystemConfig,
        ports: Sequence[ServicePort] = (),
        probe: Optional[k8s.Probe] = None,
        command: Optional[Sequence[str]] = None,
        working_dir: Optional[str] = None,
        jumpscale_config: bool = False,
        secrets: Sequence[str] = JUMPSCALE_SECRETS,
        config_dir: Optional[str] = None,
        volumes: Sequence[k8s.Volume] = (),
        mounts: Sequence[k8s.VolumeMount] = (),
    ) -> None:
        super().__init__(scope, id, site=site, name=name, role=role, image=settings.image)
        self.settings = settings
        probe = probe or exec_probe(["sh", "-c", "kill -0 1"], initial_delay=30, period=30)
        config_mounts = [jumpscale.config_mount()] if jumpscale_config else []
        config_mounts.append(dir_mount(config_dir) if config_dir else file_mount())
        main = container(
            name,
            settings.image,
            command=command,
            working_dir=working_dir,
            ports={p.name: p.container_port for p in ports if p.protocol == "TCP"},
            udp_ports={p.name: p.container_port for p in ports if p.protocol == "UDP"},
            mounts=[*config_mounts, *mounts],
            resources=settings.resources,
            security=jumpscale.jumpscale_security(),
            liveness=probe,
            readiness=probe,
        )
        # Root without capabilities cannot bind a port below 1024 (zero-access's SSH on 22).
        options = dict(volumes=volumes, low_ports=any(p.container_port < 1024 for p in ports))
        if jumpscale_config:
            template = jumpscale.pod_template(self, system_config, jumpscale.system_init(settings.image),
                                              containers=[main], secrets=secrets, **options)
        else:
            template = system_config.pod_template(self, secrets=secrets, containers=[main], **options)
        self.deployment(template)
        jumpscale.skip_root_checks(self)
        exposure = Exposure.from_names(settings.exposure)
        if ports and Exposure.KUBERNETES in exposure:
            self.expose_kubernetes(ports)
        published = [ServicePort(p.name, p.port, p.target_port, node_port=settings.node_port, protocol=p.protocol) for p in ports[:1]]
        if published and Exposure.INTERNAL in exposure:
            self.expose_internal(published)
        if published and Exposure.PUBLIC in exposure:
            self.expose_public(published)


class Management(ControllerService):
    """Operations' management pod (the installer's home): SSH on 2205, internal by default.

    It runs the installer, which reads the whole system config (contract §3.12), secret values included.
    """

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: ManagementSettings = ManagementSettings()) -> None:
        super().__init__(scope, id, site=site, name="management", role="operations", settings=settings, system_config=system_config,
                         ports=[ServicePort("ssh", 2205)], probe=tcp_probe(2205), secrets=tuple(SECRET_GROUPS), config_dir=CONFIG_DIR)


class UptimeMonitor(ControllerService):
    """Receives the nodes' heartbeats on 9500/UDP (internal: management and backplane IPs).

    `uptime_monitor.py` also listens on TCP 9500, which the probe uses, and talks to osis and the agent
    controller (contract §3.14), so it runs with the configured JumpScale directory like the other agents.
    """

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: UptimeMonitorSettings = UptimeMonitorSettings()) -> None:
        super().__init__(scope, id, site=site, name="uptime-monitor", role="monitoring", settings=settings, system_config=system_config,
                         ports=[ServicePort("heartbeat", UPTIME_PORT, protocol="UDP")], probe=tcp_probe(UPTIME_PORT),
                         command=["jspython", "uptime_monitor.py"], working_dir="/opt/jumpscale7/apps/heartbeat",
                         jumpscale_config=True)


class Qa(ControllerService):
    """The dev team's quality-assurance pod (off by default)."""

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: QaSettings = QaSettings(enabled=True)) -> None:
        super().__init__(scope, id, site=site, name="qa", role="qa", settings=settings, system_config=system_config,
                         config_dir=CONFIG_DIR)


class ZeroAccess(ControllerService):
    """Recorded, temporary SSH access to the nodes: SSH 22 published as 7022, HTTP 5000 with `/ping`.

    Host keys and session recordings live on host paths (synced by BillingSync), so the pod can move.
    It reads the itsyou.online client secret from the system config (contract §12).
    """

    SESSIONS_DIR = "/var/lib/0-access/sessions"
    HOST_KEYS_DIR = "/etc/ssh/0-access"

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: ZeroAccessSettings = ZeroAccessSettings()) -> None:
        super().__init__(
            scope, id, site=site, name="zero-access", role="access", settings=settings, system_config=system_config,
            ports=[ServicePort("ssh", 7022, 22), ServicePort("http", 5000)],
            probe=http_probe("/ping", 5000, initial_delay=20), secrets=("itsyouonline",),
            volumes=[host_path("sessions", settings.sessions_host_path), host_path("host-keys", settings.host_keys_host_path)],
            mounts=[mount("sessions", self.SESSIONS_DIR), mount("host-keys", self.HOST_KEYS_DIR)],
        )


class OvcVersions(Component):
    """nginx serving the G8's release manifest (`/versions-manifest.yaml`, the ConfigMap the portal reads too)."""

    def __init__(self, scope: Construct, id: str, *, site: Site, versions: VersionsManifest,
                 settings: VersionsSettings = VersionsSettings()) -> None:
        super().__init__(scope, id, site=site, name="ovc-versions", role="release-manifest", image=settings.image)
        nginx_config = render_static_nginx_config(str(VERSIONS_PORT), "/srv/ovc-versions", str(VERSIONS_HEALTH_PORT), autoindex=False)
        config = k8s.KubeConfigMap(self, "content", metadata=self.metadata(), data={"nginx.conf": nginx_config})
        nginx = container(
            "nginx",
            settings.image,
            command=["nginx", "-c", "/etc/nginx/ovc/nginx.conf", "-g", "daemon off;"],
            ports={"http": VERSIONS_PORT},
            mounts=[mount("config", "/etc/nginx/ovc", read_only=True), mount("content", "/srv/ovc-versions", read_only=True),
                    mount("tmp", "/tmp"), mount("cache", "/var/cache/nginx")],
            resources=settings.resources,
            security=security_context(user=NGINX_UID),
            liveness=http_probe("/healthz", VERSIONS_HEALTH_PORT, initial_delay=5),
            readiness=http_probe(f"/{VersionsManifest.FILE}", VERSIONS_PORT, initial_delay=2),
        )
        self.deployment(self.pod_template(
            containers=[nginx],
            volumes=[config_map_volume("config", config.name),
                     config_map_volume("content", versions.config_map.name, keys=[VersionsManifest.FILE]), empty_dir("tmp"), empty_dir("cache")],
            annotations={"checksum/content": hashlib.sha256(versions.text.encode()).hexdigest()},
        ))
        exposure = Exposure.from_names(settings.exposure)
        port = ServicePort("http", 80, VERSIONS_PORT, node_port=settings.node_port)
        self.expose(exposure, [port])
