"""The time-series stack: InfluxDB, Grafana and the stats collector, each a single instance on any controller."""
from __future__ import annotations

import hashlib
import json
from typing import Optional

import yaml
from constructs import Construct

from . import jumpscale
from .component import Component, Exposure, HostDirectory, ServicePort
from .dashboards import dashboards
from .environment import GrafanaSettings, InfluxSettings, StatsCollectorSettings
from .files import script, template
from .pods import config_map_volume, container, empty_dir, exec_probe, host_path, http_probe, mount, secret_volume, security_context
from .site import Site
from .system_config import SystemConfig

INFLUX_PORT = 8086
GRAFANA_PORT = 3000
GRAFANA_PROVISIONING = "/etc/grafana/provisioning"
"""Grafana's provisioning directory: `datasources/` and `dashboards/` (the providers) are ConfigMaps mounted below it."""
GRAFANA_DASHBOARDS = "/etc/grafana/dashboards"
"""Where the dashboards' ConfigMap is mounted (read-only, outside the synced data path) and the provider reads them."""
SUPERSEDED_DATASOURCES = ("influxdb",)
"""Created through the HTTP API by the `grafana-datasource` Job of earlier versions; provisioning deletes it."""
HOST_PATH_ROOT_REASON = (
    "its data is a root-owned host path that BillingSync (root) replicates between nodes; it runs as uid 0 without any capability"
)



def grafana_data(path: str) -> HostDirectory:
    """Grafana runs as root here; the historical image ran it as its own user, whose files a migrated G8 still has."""
    return HostDirectory(path, recursive=True)

def _skip_host_path_root(component: Component) -> None:
    for check in ("CKV_K8S_23", "CKV_K8S_40"):
        component.skip_check(check, HOST_PATH_ROOT_REASON)


class InfluxDb(Component):
    """InfluxDB 1.4, one writer (`Recreate`) on any controller; its host path is synced to every node."""

    health_path = "/ping"

    default_name = "influxdb"
    role = "database"

    def __init__(self, scope: Construct, id: str, *, site: Site, data_host_path: str = "/var/ovc/influx",
                 settings: InfluxSettings = InfluxSettings(), name: Optional[str] = None) -> None:
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        self.settings = settings
        self.url = f"http://{self.name}:{INFLUX_PORT}"
        self.claim_data_directory(data_host_path)
        influxd = container(
            "influxdb",
            settings.image,
            command=["influxd"],
            env={"INFLUXDB_REPORTING_DISABLED": "true"},
            ports={"http": INFLUX_PORT},
            mounts=[mount("data", "/var/lib/influxdb"), mount("tmp", "/tmp")],
            resources=settings.resources,
            security=security_context(user=0),
            liveness=http_probe("/ping", INFLUX_PORT, initial_delay=20),
            readiness=http_probe("/ping", INFLUX_PORT, initial_delay=5),
        )
        self.deployment(self.pod_template(
            containers=[influxd], volumes=[host_path("data", data_host_path), empty_dir("tmp")], termination_grace_seconds=60,
        ))
        _skip_host_path_root(self)
        self.expose(Exposure.KUBERNETES, [ServicePort("http", INFLUX_PORT)])
        self.init_job = self.script_job(
            "init",
            name=f"{self.name}-init",
            image=site.helper_image,
            scripts={"influxdb-init.sh": script("influxdb-init.sh")},
            command=["sh", "/scripts/influxdb-init.sh"],
            env={"INFLUX_URL": self.url, "DATABASE": settings.database},
        )


class Grafana(Component):
    """Grafana 5.0 under `https://<domain>/grafana/`; its InfluxDB datasource and dashboards are provisioned from files.

    5.0 is the first release that provisions datasources and dashboards from files and serves dashboards at
    `/d/<uid>/<slug>` (the portal links `/grafana/d/1/overall-system-performance`); seed 000's 3.1 has neither.
    The datasource is named `controller_<subdomain>` as the installer named it (default: the first label of
    `domain`); every dashboard panel reads it. Provisioning files and dashboards are ConfigMaps mounted read-only
    outside the synced data path, and a change to any of them rolls the pod.
    """

    health_path = "/login"

    default_name = "grafana"
    role = "dashboard"

    def __init__(self, scope: Construct, id: str, *, influxdb: InfluxDb, domain: str, subdomain: Optional[str] = None,
                 settings: GrafanaSettings = GrafanaSettings(), site: Optional[Site] = None, name: Optional[str] = None) -> None:
        site = site or influxdb.site
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        self.settings = settings
        self.claim_data_directory(settings.host_path)
        self.datasource_name = f"controller_{subdomain or domain.split('.', 1)[0]}"
        self.root_url = f"https://{domain}/grafana"
        self.dashboards = dashboards(self.datasource_name)
        ini = template("grafana.ini").substitute(provisioning=GRAFANA_PROVISIONING, domain=domain, root_url=self.root_url)
        provisioning = {"datasources.yaml": yaml.safe_dump(self._datasources(influxdb), sort_keys=False),
                        "dashboards.yaml": yaml.safe_dump(self._dashboard_providers(), sort_keys=False)}
        boards = {name: json.dumps(board, indent=1, sort_keys=True) + "\n" for name, board in self.dashboards.items()}
        self.config_map("config", {"grafana.ini": ini})
        self.config_map("provisioning", provisioning, name=f"{self.name}-provisioning")
        self.config_map("dashboards", boards, name=f"{self.name}-dashboards")
        checksum = hashlib.sha256(json.dumps([ini, provisioning, boards], sort_keys=True).encode()).hexdigest()
        render = container(
            "render-config",
            site.helper_image,
            command=["sh", "-c", "cp /template/grafana.ini /config/grafana.ini && "
                                 "printf 'admin_password = %s\\n' \"$(cat /secrets/admin-password)\" >> /config/grafana.ini"],
            mounts=[mount("template", "/template", read_only=True), mount("admin", "/secrets", read_only=True), mount("config", "/config")],
            resources=settings.resources,
            security=security_context(user=0),
        )
        server = container(
            "grafana",
            settings.image,
            command=["/usr/sbin/grafana-server", "--homepath=/usr/share/grafana", "--config=/etc/grafana/ovc/grafana.ini"],
            ports={"http": GRAFANA_PORT},
            mounts=[mount("config", "/etc/grafana/ovc", read_only=True),
                    mount("datasources", f"{GRAFANA_PROVISIONING}/datasources", read_only=True),
                    mount("providers", f"{GRAFANA_PROVISIONING}/dashboards", read_only=True),
                    mount("dashboards", GRAFANA_DASHBOARDS, read_only=True),
                    mount("data", "/var/lib/grafana"), mount("logs", "/var/log/grafana"), mount("tmp", "/tmp")],
            resources=settings.resources,
            security=security_context(user=0),
            liveness=http_probe("/login", GRAFANA_PORT, initial_delay=30),
            readiness=http_probe("/login", GRAFANA_PORT, initial_delay=10),
        )
        self.deployment(self.pod_template(
            containers=[server],
            init_containers=[render],
            volumes=[config_map_volume("template", self.name), secret_volume("admin", settings.admin_secret),
                     config_map_volume("datasources", f"{self.name}-provisioning", keys=["datasources.yaml"]),
                     config_map_volume("providers", f"{self.name}-provisioning", keys=["dashboards.yaml"]),
                     config_map_volume("dashboards", f"{self.name}-dashboards"),
                     empty_dir("config"), self.host_directory("data", grafana_data(settings.host_path)), empty_dir("logs"), empty_dir("tmp")],
            annotations={"checksum/config": checksum},
        ))
        _skip_host_path_root(self)
        self.expose(Exposure.KUBERNETES, [ServicePort("http", GRAFANA_PORT)])
        self.depends_on(influxdb)

    def _datasources(self, influxdb: InfluxDb) -> dict:
        """The InfluxDB `statistics` database as the only, default and read-only datasource (no credentials: InfluxDB
        runs without authentication); the one the former API Job created is removed."""
        superseded = [{"name": name, "orgId": 1} for name in SUPERSEDED_DATASOURCES if name != self.datasource_name]
        return {
            "apiVersion": 1,
            **({"deleteDatasources": superseded} if superseded else {}),
            "datasources": [{"name": self.datasource_name, "type": "influxdb", "access": "proxy", "orgId": 1,
                             "url": influxdb.url, "database": influxdb.settings.database, "isDefault": True,
                             "editable": False, "version": 1}],
        }

    @staticmethod
    def _dashboard_providers() -> dict:
        return {"apiVersion": 1, "providers": [{"name": "openvcloud", "orgId": 1, "folder": "", "type": "file",
                                                "options": {"path": GRAFANA_DASHBOARDS}}]}


class StatsCollector(Component):
    """Scans the management network for the nodes' redis (9999) and writes their statistics into InfluxDB; no Service.

    influxdumper also reads osis with the JumpScale client, so it runs with the configured directory
    (the environment password instead of the image's baked one, contract §14 #7).
    """

    default_name = "stats-collector"
    role = "collector"

    def __init__(self, scope: Construct, id: str, *, influxdb: InfluxDb, system_config: SystemConfig,
                 settings: StatsCollectorSettings = StatsCollectorSettings(), site: Optional[Site] = None, name: Optional[str] = None) -> None:
        site = site or influxdb.site
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        alive = exec_probe(["sh", "-c", "kill -0 1"], initial_delay=30, period=30)
        collector = container(
            "stats-collector",
            settings.image,
            command=["/opt/jumpscale7/bin/influxdumper", "--influx-host", "influxdb", "--scan-cidr", site.management_cidr],
            mounts=[jumpscale.config_mount()],
            resources=settings.resources,
            security=jumpscale.jumpscale_security(),
            liveness=alive,
            readiness=alive,
        )
        self.deployment(jumpscale.pod_template(self, system_config, jumpscale.system_init(settings.image), containers=[collector]))
        jumpscale.skip_root_checks(self)
        self.depends_on(influxdb)
