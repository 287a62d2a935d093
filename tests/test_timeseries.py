"""InfluxDB, Grafana and StatsCollector: single instances, idempotent init Jobs, who may reach InfluxDB, and the
collector's JumpScale configuration step."""
import configparser
import shutil
import subprocess

import pytest

from ovc_constructs.files import SCRIPTS

from .conftest import assert_single_instance_not_pinned, container_named, find, find_all, pod_spec
from .fake_http import FakeGrafana, FakeInflux, serve

BUSYBOX = shutil.which("busybox")
needs_busybox = pytest.mark.skipif(BUSYBOX is None, reason="busybox (Debian package) is installed by `make test`")


def test_snapshot(example_manifests, yaml_snapshot):
    names = ("influxdb", "grafana", "stats-collector")
    assert [d for d in example_manifests if d["metadata"]["name"].startswith(names)] == yaml_snapshot


@pytest.mark.parametrize("name", ["influxdb", "grafana", "stats-collector"])
def test_single_instances_recreate_and_are_not_pinned(example_manifests, name):
    assert_single_instance_not_pinned(find(example_manifests, "Deployment", name))


def test_influxdb_data_on_the_synced_host_path(example_manifests):
    deployment = find(example_manifests, "Deployment", "influxdb")
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["data"]["hostPath"]["path"] == "/var/ovc/influxdb", "the installer's path (paths.influx of the example)"
    synced = {v["hostPath"]["path"] for v in pod_spec(find(example_manifests, "DaemonSet", "billing-sync"))["volumes"] if "hostPath" in v}
    assert "/var/ovc/influxdb" in synced, "InfluxDB moves to another node with its data"
    influxd = container_named(deployment, "influxdb")
    assert {"mountPath": "/var/lib/influxdb", "name": "data"} in influxd["volumeMounts"]
    assert influxd["livenessProbe"]["httpGet"] == {"path": "/ping", "port": 8086}
    assert find(example_manifests, "Service", "influxdb")["spec"]["ports"][0]["port"] == 8086
    assert pod_spec(deployment)["enableServiceLinks"] is False, "INFLUXDB_* service variables would configure influxd"


def test_only_grafana_stats_collector_and_the_init_job_reach_influxdb(example_manifests):
    policies = [p for p in find_all(example_manifests, "NetworkPolicy")
                if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "influxdb"]
    sources = sorted(p["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in policies)
    assert sources == ["grafana", "influxdb-init", "stats-collector"]
    for policy in policies:
        assert policy["spec"]["ingress"][0]["ports"] == [{"port": 8086, "protocol": "TCP"}]


def test_grafana_config_datasource_job_and_admin_secret(example_manifests):
    ini = configparser.ConfigParser()
    ini.read_string(find(example_manifests, "ConfigMap", "grafana")["data"]["grafana.ini"])
    assert ini["server"]["root_url"] == "https://be-g8-3.gig.tech/grafana/"
    assert ini["analytics"]["reporting_enabled"] == "false"
    assert "admin_password" not in ini["security"]
    deployment = find(example_manifests, "Deployment", "grafana")
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["admin"]["secret"]["secretName"] == "grafana-admin"
    assert volumes["data"]["hostPath"]["path"] == "/var/ovc/grafana"
    job = find(example_manifests, "Job", "grafana-datasource")
    env = {e["name"]: e["value"] for e in container_named(job, "datasource")["env"]}
    assert env == {"GRAFANA_URL": "http://grafana:3000", "DATASOURCE_NAME": "influxdb", "INFLUX_URL": "http://influxdb:8086", "DATABASE": "statistics"}
    # Waits come first, then the pod's own init steps.
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == ["wait-for-influxdb", "render-config"]
    assert container_named(deployment, "grafana")["image"] == "grafana/grafana:5.0.0"
    assert find(example_manifests, "NetworkPolicy", "grafana-from-portal")


def test_stats_collector_scans_the_management_network(example_manifests):
    deployment = find(example_manifests, "Deployment", "stats-collector")
    collector = container_named(deployment, "stats-collector")
    assert collector["image"] == "openvcloud/cb_master:2.4.5.3"
    assert collector["command"] == ["/opt/jumpscale7/bin/influxdumper", "--influx-host", "influxdb", "--scan-cidr", "10.199.0.0/22"]
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"].startswith("stats-collector")]
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == [
        "wait-for-influxdb", "wait-for-osis", "merge-system-config", "system-init"]


def test_stats_collector_reads_osis_with_the_configured_directory(example_manifests):
    deployment = find(example_manifests, "Deployment", "stats-collector")
    init = container_named(deployment, "system-init")
    assert init["command"] == ["jspython", "/var/run/scripts/system/configure-system.py"]
    assert init["volumeMounts"] == [
        {"mountPath": "/opt/cfgdir", "name": "jumpscale-cfg"},
        {"mountPath": "/opt/cfg/system/system-config.yaml", "name": "system-config", "readOnly": True, "subPath": "system-config.yaml"},
    ]
    assert container_named(deployment, "merge-system-config")["command"][-1] == "alerta,password"
    assert {"mountPath": "/opt/jumpscale7/cfg", "name": "jumpscale-cfg"} in container_named(deployment, "stats-collector")["volumeMounts"]
    policy = find(example_manifests, "NetworkPolicy", "osis-from-stats-collector")
    assert policy["spec"]["ingress"][0]["ports"] == [{"port": 5544, "protocol": "TCP"}]


def test_apply_order_influxdb_before_its_dependents(example_manifests):
    order = [(d["kind"], d["metadata"]["name"]) for d in example_manifests]
    for dependent in ("grafana", "stats-collector"):
        assert order.index(("Deployment", "influxdb")) < order.index(("Deployment", dependent))
    assert order.index(("DaemonSet", "osis")) < order.index(("Deployment", "stats-collector"))


def busybox_sh(script: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    """Run a Job script the way the helper image does: busybox sh with busybox's own wget."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for applet in ("wget", "sh", "grep", "sleep", "cat", "echo", "timeout", "base64", "tr", "printf"):
        target = bin_dir / applet
        if not target.exists():
            target.symlink_to(BUSYBOX)
    return subprocess.run([BUSYBOX, "sh", str(SCRIPTS / script)], env={"PATH": str(bin_dir), **env},
                          capture_output=True, text=True, timeout=60)


@needs_busybox
def test_influxdb_init_creates_the_database_once(tmp_path):
    fake = FakeInflux()
    with serve(fake) as url:
        first = busybox_sh("influxdb-init.sh", {"INFLUX_URL": url, "DATABASE": "statistics"}, tmp_path)
        second = busybox_sh("influxdb-init.sh", {"INFLUX_URL": url, "DATABASE": "statistics"}, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "created database statistics" in first.stdout
    assert second.returncode == 0 and "database statistics exists" in second.stdout
    assert fake.creates == 1 and fake.databases == ["_internal", "statistics"]


@needs_busybox
def test_influxdb_init_does_not_mistake_a_similar_name(tmp_path):
    fake = FakeInflux(databases=("_internal", "statistics_old"))
    with serve(fake) as url:
        result = busybox_sh("influxdb-init.sh", {"INFLUX_URL": url, "DATABASE": "statistics"}, tmp_path)
    assert result.returncode == 0 and fake.creates == 1


@needs_busybox
def test_grafana_datasource_is_created_once_with_the_admin_password(tmp_path):
    password = "s3cret&/x"
    (tmp_path / "admin-password").write_text(password)
    fake = FakeGrafana(password)
    env = {"DATASOURCE_NAME": "influxdb", "INFLUX_URL": "http://influxdb:8086", "DATABASE": "statistics",
           "ADMIN_PASSWORD_FILE": str(tmp_path / "admin-password")}
    with serve(fake) as url:
        first = busybox_sh("grafana-datasource.sh", {**env, "GRAFANA_URL": url}, tmp_path)
        second = busybox_sh("grafana-datasource.sh", {**env, "GRAFANA_URL": url}, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0 and "datasource influxdb exists" in second.stdout
    assert fake.posts == [{"name": "influxdb", "type": "influxdb", "access": "proxy", "url": "http://influxdb:8086",
                           "database": "statistics", "isDefault": True}]
