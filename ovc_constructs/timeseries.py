"""The time-series stack: InfluxDB, Grafana and the stats collector, each a single instance on any controller."""
from __future__ import annotations

from typing import Optional

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import jumpscale
from .component import Component, Exposure, ServicePort
from .environment import GrafanaSettings, InfluxSettings, StatsCollectorSettings
from .files import script, template
from .pods import config_map_volume, container, empty_dir, exec_probe, host_path, http_probe, mount, secret_volume, security_context
from .site import Site
from .system_config import SystemConfig

INFLUX_PORT = 8086
GRAFANA_PORT = 3000
HOST_PATH_ROOT_REASON = (
    "its data is a root-owned host path that BillingSync (root) replicates between nodes; it runs as uid 0 without any capability"
)


def _skip_host_path_root(component: Component) -> None:
    for check in ("CKV_K8S_23", "CKV_K8S_40"):
        component.skip_check(check, HOST_PATH_ROOT_REASON)


class InfluxDb(Component):
    """InfluxDB 1.4, one writer (`Recreate`) on any controller; its host path is synced to every node."""

    health_path = "/ping"

    def __init__(self, scope: Construct, id: str, *, site: Site, data_host_path: str = "/var/ovc/influx",
                 settings: InfluxSettings = InfluxSettings()) -> None:
        super().__init__(scope, id, site=site, name="influxdb", role="database", image=settings.image)
        self.settings = settings
        self.url = f"http://influxdb:{INFLUX_PORT}"
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
            name="influxdb-init",
            image=site.helper_image,
            scripts={"influxdb-init.sh": script("influxdb-init.sh")},
            command=["sh", "/scripts/influxdb-init.sh"],
            env={"INFLUX_URL": self.url, "DATABASE": settings.database},
        )


class Grafana(Component):
    """Grafana 3.1 under `https://<domain>/grafana/`, with the InfluxDB datasource created through its API."""

    health_path = "/login"

    def __init__(self, scope: Construct, id: str, *, influxdb: InfluxDb, domain: str,
                 settings: GrafanaSettings = GrafanaSettings(), site: Optional[Site] = None) -> None:
        site = site or influxdb.site
        super().__init__(scope, id, site=site, name="grafana", role="dashboard", image=settings.image)
        self.settings = settings
        config = k8s.KubeConfigMap(self, "config", metadata=self.metadata(),
                                   data={"grafana.ini": template("grafana.ini").substitute(root_url=f"https://{domain}/grafana/")})
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
            mounts=[mount("config", "/etc/grafana/ovc", read_only=True), mount("data", "/var/lib/grafana"),
                    mount("logs", "/var/log/grafana"), mount("tmp", "/tmp")],
            resources=settings.resources,
            security=security_context(user=0),
            liveness=http_probe("/login", GRAFANA_PORT, initial_delay=30),
            readiness=http_probe("/login", GRAFANA_PORT, initial_delay=10),
        )
        self.deployment(self.pod_template(
            containers=[server],
            init_containers=[render],
            volumes=[config_map_volume("template", config.name), secret_volume("admin", settings.admin_secret),
                     empty_dir("config"), host_path("data", settings.host_path), empty_dir("logs"), empty_dir("tmp")],
        ))
        _skip_host_path_root(self)
        self.expose(Exposure.KUBERNETES, [ServicePort("http", GRAFANA_PORT)])
        self.depends_on(influxdb)
        self.datasource_job = self.script_job(
            "datasource",
            name="grafana-datasource",
            image=site.helper_image,
            scripts={"grafana-datasource.sh": script("grafana-datasource.sh")},
            command=["sh", "/scripts/grafana-datasource.sh"],
            env={"GRAFANA_URL": f"http://grafana:{GRAFANA_PORT}", "DATASOURCE_NAME": "influxdb",
                 "INFLUX_URL": influxdb.url, "DATABASE": influxdb.settings.database},
            volumes=[secret_volume("admin", settings.admin_secret)],
            mounts=[mount("admin", "/secrets", read_only=True)],
        )


class StatsCollector(Component):
    """Scans the management network for the nodes' redis (9999) and writes their statistics into InfluxDB; no Service.

    influxdumper also reads osis with the JumpScale client, so it runs with the configured directory
    (the environment password instead of the image's baked one, contract §14 #7).
    """

    def __init__(self, scope: Construct, id: str, *, influxdb: InfluxDb, system_config: SystemConfig,
                 settings: StatsCollectorSettings = StatsCollectorSettings(), site: Optional[Site] = None) -> None:
        site = site or influxdb.site
        super().__init__(scope, id, site=site, name="stats-collector", role="collector", image=settings.image)
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
