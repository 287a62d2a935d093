"""The remaining controller pods of a running G8 (seed 001): management, zero-access, uptime-monitor,
qa, and ovc-versions, which serves a release manifest generated from the images this chart deploys."""
from __future__ import annotations

import hashlib
import json
from typing import Optional, Sequence

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import jumpscale
from .component import Component, Exposure, ServicePort
from .environment import ManagementSettings, QaSettings, ServiceSettings, UptimeMonitorSettings, VersionsSettings, ZeroAccessSettings
from .pods import NGINX_UID, config_map_volume, container, empty_dir, exec_probe, host_path, http_probe, mount, security_context, tcp_probe
from .pxeboot import render_static_nginx_config
from .site import Site

VERSIONS_PORT = 8080
VERSIONS_HEALTH_PORT = 8081


class ControllerService(Component):
    """A single-instance Jumpscale/OpenvCloud service pod with its ports and exposures from the environment.

    `ports[0]` is the port published by an internal or public exposure (with `settings.node_port`).
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
        ports: Sequence[ServicePort] = (),
        probe: Optional[k8s.Probe] = None,
        volumes: Sequence[k8s.Volume] = (),
        mounts: Sequence[k8s.VolumeMount] = (),
    ) -> None:
        super().__init__(scope, id, site=site, name=name, role=role, image=settings.image)
        self.settings = settings
        probe = probe or exec_probe(["sh", "-c", "kill -0 1"], initial_delay=30, period=30)
        main = container(
            name,
            settings.image,
            ports={p.name: p.container_port for p in ports},
            mounts=[jumpscale.config_mount(), *mounts],
            resources=settings.resources,
            security=jumpscale.jumpscale_security(),
            liveness=probe,
            readiness=probe,
        )
        self.deployment(jumpscale.pod_template(
            self,
            settings.image,
            containers=[main],
            volumes=volumes,
            # Root without capabilities cannot bind a port below 1024 (zero-access's SSH on 22).
            low_ports=any(p.container_port < 1024 for p in ports),
        ))
        jumpscale.skip_root_checks(self)
        exposure = Exposure.from_names(settings.exposure)
        if ports and Exposure.KUBERNETES in exposure:
            self.expose_kubernetes(ports)
        published = [ServicePort(p.name, p.port, p.target_port, node_port=settings.node_port) for p in ports[:1]]
        if published and Exposure.INTERNAL in exposure:
            self.expose_internal(published)
        if published and Exposure.PUBLIC in exposure:
            self.expose_public(published)


class Management(ControllerService):
    """Operations' management pod (new hardware, ...): SSH on 2205, internal by default."""

    def __init__(self, scope: Construct, id: str, *, site: Site, settings: ManagementSettings = ManagementSettings()) -> None:
        super().__init__(scope, id, site=site, name="management", role="operations", settings=settings,
                         ports=[ServicePort("ssh", 2205)], probe=tcp_probe(2205))


class UptimeMonitor(ControllerService):
    """Monitors the uptime of the nodes; 9500, internal by default."""

    def __init__(self, scope: Construct, id: str, *, site: Site, settings: UptimeMonitorSettings = UptimeMonitorSettings()) -> None:
        super().__init__(scope, id, site=site, name="uptime-monitor", role="monitoring", settings=settings,
                         ports=[ServicePort("http", 9500)], probe=tcp_probe(9500))


class Qa(ControllerService):
    """The dev team's quality-assurance pod (off by default)."""

    def __init__(self, scope: Construct, id: str, *, site: Site, settings: QaSettings = QaSettings(enabled=True)) -> None:
        super().__init__(scope, id, site=site, name="qa", role="qa", settings=settings)


class ZeroAccess(ControllerService):
    """Recorded, temporary SSH access to the nodes: SSH 22 published as 7022, HTTP 5000 with `/ping`.

    Host keys and session recordings live on host paths (synced by BillingSync), so the pod can move.
    """

    SESSIONS_DIR = "/var/lib/0-access/sessions"
    HOST_KEYS_DIR = "/etc/ssh/0-access"

    def __init__(self, scope: Construct, id: str, *, site: Site, settings: ZeroAccessSettings = ZeroAccessSettings()) -> None:
        super().__init__(
            scope, id, site=site, name="zero-access", role="access", settings=settings,
            ports=[ServicePort("ssh", 7022, 22), ServicePort("http", 5000)],
            probe=http_probe("/ping", 5000, initial_delay=20),
            volumes=[host_path("sessions", settings.sessions_host_path), host_path("host-keys", settings.host_keys_host_path)],
            mounts=[mount("sessions", self.SESSIONS_DIR), mount("host-keys", self.HOST_KEYS_DIR)],
        )


def release_manifest(environment_name: str, components: Sequence[Component]) -> dict:
    """What this chart deploys: every component with the images (and tags) it runs."""
    return {
        "environment": environment_name,
        "generated_by": "ovc_constructs",
        "components": {c.name: {"version": c.labels["app.kubernetes.io/version"], "images": list(c.images)} for c in components},
    }


class OvcVersions(Component):
    """nginx serving `/manifest.json`, generated from the images of `components` (and its own), so it is always true."""

    def __init__(self, scope: Construct, id: str, *, site: Site, components: Sequence[Component],
                 settings: VersionsSettings = VersionsSettings()) -> None:
        super().__init__(scope, id, site=site, name="ovc-versions", role="release-manifest", image=settings.image)
        self.images.append(settings.image)
        self.manifest = release_manifest(self.selector["app.kubernetes.io/instance"], [*components, self])
        manifest_json = json.dumps(self.manifest, indent=2, sort_keys=True) + "\n"
        nginx_config = render_static_nginx_config(str(VERSIONS_PORT), "/srv/ovc-versions", str(VERSIONS_HEALTH_PORT), autoindex=False)
        config = k8s.KubeConfigMap(self, "content", metadata=self.metadata(),
                                   data={"manifest.json": manifest_json, "nginx.conf": nginx_config})
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
            readiness=http_probe("/manifest.json", VERSIONS_PORT, initial_delay=2),
        )
        self.deployment(self.pod_template(
            containers=[nginx],
            volumes=[config_map_volume("config", config.name, keys=["nginx.conf"]),
                     config_map_volume("content", config.name, keys=["manifest.json"]), empty_dir("tmp"), empty_dir("cache")],
            annotations={"checksum/content": hashlib.sha256(manifest_json.encode()).hexdigest()},
        ))
        exposure = Exposure.from_names(settings.exposure)
        port = ServicePort("http", 80, VERSIONS_PORT, node_port=settings.node_port)
        self.expose(exposure, [port])
