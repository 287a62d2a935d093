"""InfluxDB, Grafana and StatsCollector: single instances, idempotent init Jobs, who may reach InfluxDB, Grafana's
provisioned datasource and dashboards, and the collector's JumpScale configuration step."""
import configparser
import copy
import json
import re
import shutil
import subprocess

import jsonschema
import pytest
import yaml

from ovc_constructs import Grafana, InfluxDb
from ovc_constructs.dashboards import MEASUREMENTS, OVERVIEW_TITLE, Query, url_path
from ovc_constructs.files import SCRIPTS

from .conftest import assert_single_instance_not_pinned, container_named, find, find_all, pod_spec, site, synth_construct
from .fake_http import FakeInflux, serve

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


def grafana_files(manifests: list[dict]) -> dict:
    """What Grafana reads: grafana.ini (without the password), the provisioning files and the dashboards (parsed)."""
    ini = configparser.ConfigParser()
    ini.read_string(find(manifests, "ConfigMap", "grafana")["data"]["grafana.ini"])
    provisioning = find(manifests, "ConfigMap", "grafana-provisioning")["data"]
    return {
        "ini": ini,
        "datasources": yaml.safe_load(provisioning["datasources.yaml"]),
        "providers": yaml.safe_load(provisioning["dashboards.yaml"]),
        "dashboards": {name: json.loads(text) for name, text in find(manifests, "ConfigMap", "grafana-dashboards")["data"].items()},
    }


def walk(value):
    """Every mapping inside a JSON document."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child)


def test_grafana_provisions_the_controller_datasource_instead_of_an_api_job(example_manifests):
    files = grafana_files(example_manifests)
    assert files["datasources"]["apiVersion"] == 1
    assert files["datasources"]["datasources"] == [{
        "name": "controller_be-g8-3", "type": "influxdb", "access": "proxy", "orgId": 1, "url": "http://influxdb:8086",
        "database": "statistics", "isDefault": True, "editable": False, "version": 1}], "InfluxDB runs without auth: no credentials"
    assert files["datasources"]["deleteDatasources"] == [{"name": "influxdb", "orgId": 1}], "the former Job's datasource"
    assert not [j for j in find_all(example_manifests, "Job") if j["metadata"]["name"].startswith("grafana")]


def test_every_dashboard_reads_the_provisioned_datasource(example_manifests):
    files = grafana_files(example_manifests)
    name = files["datasources"]["datasources"][0]["name"]
    assert len(files["dashboards"]) == 3
    for dashboard in files["dashboards"].values():
        references = [item["datasource"] for item in walk(dashboard) if "datasource" in item]
        assert references and set(references) == {name}, dashboard["title"]
        queried = [p for p in dashboard["panels"] if "targets" in p] + dashboard["templating"]["list"]
        assert all(item["datasource"] == name for item in queried), "no panel or variable falls back to the default"


def test_the_overview_answers_where_the_portal_links(example_manifests):
    files = grafana_files(example_manifests)
    overview = files["dashboards"]["overall-system-performance.json"]
    assert (overview["uid"], overview["title"], overview["id"]) == ("1", OVERVIEW_TITLE, None)
    assert files["ini"]["server"]["root_url"] + url_path(overview) == "https://be-g8-3.gig.tech/grafana/d/1/overall-system-performance"
    uids = [d["uid"] for d in files["dashboards"].values()]
    assert sorted(uids) == ["1", "2", "3"]


QUERY = re.compile(r'^SELECT (?P<select>.+?) FROM "(?P<measurement>[^"]+)" WHERE (?P<where>.+?)'
                   r'(?: GROUP BY (?P<groups>.+?))?(?P<fill> fill\(null\))?$')
VARIABLE_QUERY = re.compile(r'^SHOW TAG VALUES FROM "(?P<measurement>[^"]+)" WITH KEY = "\w+"(?: WHERE .+)?$')


def queries(dashboard: dict) -> list[tuple[str, str]]:
    """(panel title or variable name, InfluxQL) for every query of a dashboard."""
    return ([(p["title"], t["query"]) for p in dashboard["panels"] for t in p.get("targets", [])]
            + [(v["name"], v["query"]) for v in dashboard["templating"]["list"]])


def test_every_query_reads_a_measurement_the_stats_collector_writes(example_manifests):
    used = set()
    for dashboard in grafana_files(example_manifests)["dashboards"].values():
        for where, query in queries(dashboard):
            match = QUERY.match(query) or VARIABLE_QUERY.match(query)
            assert match, f"{where}: not a query of the expected shape: {query}"
            assert match["measurement"] in MEASUREMENTS, f"{where}: {match['measurement']} is not in dashboards.MEASUREMENTS"
            assert query.count(" FROM ") == 1
            used.add(match["measurement"])
    assert used == set(MEASUREMENTS), "every documented measurement is shown somewhere (the list has no stale names)"
    with pytest.raises(ValueError, match="not a measurement"):
        Query("machine.CPU.load|m", "load")


AXIS = {"type": "object", "required": ["format", "logBase", "show", "min", "max"]}
TARGET = {"type": "object", "required": ["refId", "rawQuery", "query", "alias"],
          "properties": {"rawQuery": {"const": True}, "refId": {"type": "string", "pattern": "^[A-Z]$"}}}
GRID_POS = {"type": "object", "required": ["h", "w", "x", "y"], "additionalProperties": False,
            "properties": {key: {"type": "integer", "minimum": 0 if key in "xy" else 1} for key in "hwxy"}}


def when(kinds: list[str], then: dict) -> dict:
    return {"if": {"properties": {"type": {"enum": kinds}}}, "then": then}


PANEL = {
    "type": "object",
    "required": ["id", "type", "title", "gridPos"],
    "properties": {"id": {"type": "integer"}, "title": {"type": "string", "minLength": 1}, "gridPos": GRID_POS,
                   "type": {"enum": ["row", "graph", "table", "singlestat"]}},
    "allOf": [
        when(["row"], {"required": ["collapsed", "panels"], "properties": {"gridPos": {"properties": {"h": {"const": 1}, "w": {"const": 24}}}}}),
        when(["graph", "table", "singlestat"], {"required": ["datasource", "targets", "links"],
                                                "properties": {"targets": {"type": "array", "minItems": 1, "items": TARGET}}}),
        when(["graph"], {"required": ["xaxis", "yaxes", "legend", "tooltip", "lines", "linewidth", "fill", "nullPointMode",
                                      "seriesOverrides", "aliasColors", "stack", "renderer"],
                         "properties": {"yaxes": {"type": "array", "minItems": 2, "maxItems": 2, "items": AXIS},
                                        "xaxis": {"required": ["mode", "show"], "properties": {"mode": {"const": "time"}}}}}),
        when(["table"], {"required": ["transform", "columns", "styles", "sort"],
                         "properties": {"transform": {"const": "timeseries_aggregations"}, "columns": {"type": "array", "minItems": 1}}}),
        when(["singlestat"], {"required": ["valueName", "format", "thresholds", "colors", "valueMaps", "mappingType"],
                              "properties": {"colors": {"type": "array", "minItems": 3, "maxItems": 3},
                                             "targets": {"maxItems": 1}}}),
    ],
}
VARIABLE = {"type": "object", "required": ["name", "label", "type", "datasource", "query", "refresh", "multi", "includeAll", "current", "options"],
            "properties": {"type": {"const": "query"}, "name": {"type": "string", "pattern": "^[a-z_]+$"}, "refresh": {"enum": [1, 2]}}}
DASHBOARD = {
    "type": "object",
    "required": ["id", "uid", "title", "tags", "schemaVersion", "version", "time", "timezone", "refresh", "templating", "annotations",
                 "panels", "links"],
    "properties": {"id": {"type": "null"}, "uid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"}, "schemaVersion": {"const": 16},
                   "time": {"required": ["from", "to"]}, "panels": {"type": "array", "minItems": 1, "items": PANEL},
                   "templating": {"required": ["list"], "properties": {"list": {"type": "array", "items": VARIABLE}}}},
}
BUILTIN_VARIABLES = {"timeFilter", "__interval"}


def dashboard_problems(dashboard: dict) -> list[str]:
    """What Grafana 5 would not render as intended: schema, grid, panel ids, query ids and undefined variables."""
    problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in jsonschema.Draft7Validator(DASHBOARD).iter_errors(dashboard)]
    if problems:
        return problems
    panels = dashboard["panels"]
    if len({p["id"] for p in panels}) != len(panels):
        problems.append("panel ids repeat")
    cells = {}
    for panel in panels:
        position = panel["gridPos"]
        if position["x"] + position["w"] > 24:
            problems.append(f"{panel['title']}: wider than the grid")
        for x in range(position["x"], position["x"] + position["w"]):
            for y in range(position["y"], position["y"] + position["h"]):
                if (x, y) in cells:
                    problems.append(f"{panel['title']} overlaps {cells[x, y]}")
                cells[x, y] = panel["title"]
        ref_ids = [t["refId"] for t in panel.get("targets", [])]
        if len(set(ref_ids)) != len(ref_ids):
            problems.append(f"{panel['title']}: refIds repeat")
    defined = {v["name"] for v in dashboard["templating"]["list"]} | BUILTIN_VARIABLES
    texts = [text for _, text in queries(dashboard)] + [t["alias"] for p in panels for t in p.get("targets", [])]
    for text in texts + [p["title"] for p in panels]:
        for name in re.findall(r"\$(\w+)", text):
            if name not in defined and not name.startswith("tag_"):
                problems.append(f"undefined variable ${name} in {text}")
    return sorted(set(problems))


def test_dashboards_are_valid_grafana_5_dashboards(example_manifests):
    for name, dashboard in grafana_files(example_manifests)["dashboards"].items():
        assert dashboard_problems(dashboard) == [], name
        assert name == url_path(dashboard).rsplit("/", 1)[1] + ".json"


def _broken(dashboard: dict, how: str) -> dict:
    broken = copy.deepcopy(dashboard)
    graph = next(p for p in broken["panels"] if p["type"] == "graph")
    if how == "graph without y axes":
        del graph["yaxes"]
    elif how == "overlap":
        graph["gridPos"].update(x=0, y=0)
    elif how == "too wide":
        graph["gridPos"].update(x=20)
    elif how == "undefined variable":
        graph["targets"][0]["query"] = graph["targets"][0]["query"].replace("$timeFilter", "\"nid\" =~ /^$node$/ AND $timeFilter")
    elif how == "repeated id":
        graph["id"] = broken["panels"][0]["id"]
    elif how == "legacy rows":
        broken["rows"] = [{"panels": broken.pop("panels")}]
    return broken


@pytest.mark.parametrize("how", ["graph without y axes", "overlap", "too wide", "undefined variable", "repeated id", "legacy rows"])
def test_the_dashboard_check_catches_broken_dashboards(example_manifests, how):
    dashboard = grafana_files(example_manifests)["dashboards"]["overall-system-performance.json"]
    assert dashboard_problems(_broken(dashboard, how)), how


def test_grafana_mounts_what_its_provisioning_files_name(example_manifests):
    files = grafana_files(example_manifests)
    deployment = find(example_manifests, "Deployment", "grafana")
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    mounts = {m["mountPath"]: m for m in container_named(deployment, "grafana")["volumeMounts"]}
    provisioning = files["ini"]["paths"]["provisioning"]
    (provider,) = files["providers"]["providers"]
    assert files["providers"]["apiVersion"] == 1 and provider["type"] == "file"
    dashboards = mounts[provider["options"]["path"]]
    assert volumes[dashboards["name"]]["configMap"]["name"] == "grafana-dashboards"
    for directory, key in (("datasources", "datasources.yaml"), ("dashboards", "dashboards.yaml")):
        volume = volumes[mounts[f"{provisioning}/{directory}"]["name"]]["configMap"]
        assert (volume["name"], volume["items"]) == ("grafana-provisioning", [{"key": key, "path": key}])
    for path in (provider["options"]["path"], f"{provisioning}/datasources", f"{provisioning}/dashboards", "/etc/grafana/ovc"):
        assert mounts[path]["readOnly"] is True
        assert not path.startswith(mounts["/var/lib/grafana"]["mountPath"]), "never inside the synced host path"
    assert volumes[mounts["/var/lib/grafana"]["name"]]["hostPath"]["path"] == "/var/ovc/grafana"


def test_grafana_ini_serves_under_grafana_to_anonymous_viewers(example_manifests):
    ini = grafana_files(example_manifests)["ini"]
    assert ini["server"]["root_url"] == "https://be-g8-3.gig.tech/grafana"
    assert ini["server"]["domain"] == "be-g8-3.gig.tech"
    assert (ini["auth.anonymous"]["enabled"], ini["auth.anonymous"]["org_role"]) == ("true", "Viewer"), "never Admin"
    assert ini["users"]["allow_sign_up"] == "false"
    assert ini["analytics"]["reporting_enabled"] == "false" and ini["analytics"]["check_for_updates"] == "false"
    assert ini.sections()[-1] == "security", "the init container appends admin_password to the last section"


def test_the_admin_password_is_never_in_a_config_map_or_the_environment(example_manifests):
    for config_map in find_all(example_manifests, "ConfigMap"):
        for text in config_map.get("data", {}).values():
            assert "admin_password" not in text.replace("printf 'admin_password", ""), config_map["metadata"]["name"]
    deployment = find(example_manifests, "Deployment", "grafana")
    for container in pod_spec(deployment)["containers"] + pod_spec(deployment)["initContainers"]:
        assert not [e for e in container.get("env", []) if e["name"].startswith("GF_")]
    volumes = {v["name"]: v for v in pod_spec(deployment)["volumes"]}
    assert volumes["admin"]["secret"]["secretName"] == "grafana-admin"
    readers = [c["name"] for c in pod_spec(deployment)["initContainers"] + pod_spec(deployment)["containers"]
               if any(m["name"] == "admin" for m in c.get("volumeMounts", []))]
    assert readers == ["render-config"]
    # Waits come first, then the pod's own init steps.
    assert [c["name"] for c in pod_spec(deployment)["initContainers"]] == ["wait-for-influxdb", "render-config"]
    assert container_named(deployment, "grafana")["image"] == "grafana/grafana:5.0.0"
    assert find(example_manifests, "NetworkPolicy", "grafana-from-portal")


def standalone_grafana(domain: str = "g8.example.com", **props) -> list[dict]:
    def build(chart):
        Grafana(chart, "grafana", influxdb=InfluxDb(chart, "influxdb", site=site(3)), domain=domain, **props)

    return synth_construct(build)


def rollout_checksum(manifests: list[dict]) -> str:
    return find(manifests, "Deployment", "grafana")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def test_a_configuration_change_rolls_grafana():
    base = standalone_grafana()
    assert grafana_files(base)["datasources"]["datasources"][0]["name"] == "controller_g8", "library default: the domain's first label"
    assert rollout_checksum(standalone_grafana()) == rollout_checksum(base), "stable while nothing changes"
    renamed = standalone_grafana(subdomain="other")
    assert grafana_files(renamed)["datasources"]["datasources"][0]["name"] == "controller_other"
    for changed in (renamed, standalone_grafana(domain="g8.example.org")):
        assert rollout_checksum(changed) != rollout_checksum(base)


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
