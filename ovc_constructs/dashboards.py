"""Grafana 5 dashboards for the statistics the stats collector writes (contract §3.9, §11).

The installer shipped three exported dashboards and rewrote their datasource names with a script. These are
built here instead, from a few panel factories: each panel is a list of `Query` objects, each query names one
of `MEASUREMENTS` (checked when it is built), and `dashboards()` stamps one datasource name on every panel
and template variable. The layout (Grafana 5's 24-column grid) is computed, never written by hand.

What the stats collector (`influxdumper`, database `statistics`) writes, as the installer's dashboards read it:
one series per source and minute (the `|m` suffix), field `value`, tags `gid` and `nid` (grid and node),
`type` (`physical` for a node's own CPUs, memory, disks and NICs, `virtual` for the virtual machines' disks
and NICs), and per measurement `cpu_nr`, `device`, `vdiskid`, `nic`, `mac`; the Open vStorage backends are
tagged `backend_name` (with `disk_safety`, `bucket` and `disk_lost` on the object counts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

MEASUREMENTS: tuple[str, ...] = (
    # Physical nodes (type=physical), per cpu_nr for the CPU ones; units as the installer's dashboards show them.
    "machine.CPU.percent|m",  # %
    "machine.CPU.utilisation|m",  # CPU time, seconds
    "machine.CPU.contextswitch|m",
    "machine.process.threads|m",
    "machine.memory.ram.available|m",  # MiB
    "machine.memory.swap.used|m",  # MiB
    "machine.memory.swap.left|m",  # MiB
    # Disks: physical (tag device) and virtual (tag vdiskid), operations per second.
    "disk.iops.read|m",
    "disk.iops.write|m",
    # NICs: physical (tag nic) and virtual (tag mac); throughput in MB/s, packets per second.
    "network.throughput.incoming|m",
    "network.throughput.outgoing|m",
    "network.packets.rx|m",
    "network.packets.tx|m",
    # Open vStorage backends (tag backend_name): ASD states, traffic counters, space in bytes, object counts.
    "ovs.backend.green|m",
    "ovs.backend.orange|m",
    "ovs.backend.red|m",
    "ovs.backend.gets|m",
    "ovs.backend.puts|m",
    "ovs.backend.used|m",
    "ovs.backend.free|m",
    "ovs.disk_safety.objects|m",
    "ovs.bucket.objects|m",
    "ovs.disk_lost.objects|m",
)
"""Every InfluxDB measurement a dashboard may query: the names the stats collector writes (contract §11)."""

OVERVIEW_UID = "1"
OVERVIEW_TITLE = "Overall System Performance"
"""The portal links `/grafana/d/1/overall-system-performance`: the uid and the title's slug must stay as they are."""
TAG = "openvcloud"
GRID_WIDTH = 24
SCHEMA_VERSION = 16
"""The dashboard JSON model of Grafana 5.0 (panels with `gridPos`, rows as panels of type `row`)."""

PHYSICAL = "\"type\" = 'physical'"
VIRTUAL = "\"type\" = 'virtual'"


def known_measurement(name: str) -> str:
    if name not in MEASUREMENTS:
        raise ValueError(f"{name!r} is not a measurement the stats collector writes (dashboards.MEASUREMENTS)")
    return name


def matches(tag: str, variable: Optional[str] = None) -> str:
    """An InfluxQL condition: `tag` is one of the values selected in the template variable (default: same name)."""
    return f'"{tag}" =~ /^${variable or tag}$/'


def slug(title: str) -> str:
    """The slug Grafana 5 puts in a dashboard's URL (`/d/<uid>/<slug>`) for ASCII titles."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def url_path(dashboard: dict) -> str:
    """The dashboard's path below Grafana's root URL."""
    return f"/d/{dashboard['uid']}/{slug(dashboard['title'])}"


@dataclass(frozen=True)
class Query:
    """One raw InfluxQL target: `select` over `measurement` where all of `where` hold, grouped by `by` tags and,
    unless `bucket` is None (one value over the whole range), by time buckets of `bucket`."""

    measurement: str
    alias: str
    select: str = 'mean("value")'
    where: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    bucket: Optional[str] = "$__interval"

    def __post_init__(self) -> None:
        known_measurement(self.measurement)

    def influxql(self) -> str:
        text = f'SELECT {self.select} FROM "{self.measurement}" WHERE {" AND ".join([*self.where, "$timeFilter"])}'
        groups = ([f"time({self.bucket})"] if self.bucket else []) + [f'"{tag}"' for tag in self.by]
        if groups:
            text += " GROUP BY " + ", ".join(groups)
        return text + (" fill(null)" if self.bucket else "")

    def target(self, ref_id: str) -> dict:
        return {"refId": ref_id, "dsType": "influxdb", "rawQuery": True, "query": self.influxql(),
                "alias": self.alias, "resultFormat": "time_series"}


def spread(measurement: str, what: str, where: Sequence[str] = (PHYSICAL,)) -> list[Query]:
    """Average, lowest and highest of all series of `measurement` (all nodes, all CPUs or all NICs) over time."""
    return [Query(measurement, f"{label} {what}", f'{function}("value")', tuple(where))
            for function, label in (("mean", "average"), ("min", "lowest"), ("max", "highest"))]


def per_node(measurement: str, where: Sequence[str] = (PHYSICAL,)) -> list[Query]:
    """One series per node (`nid`), for a table of each node's minimum, average, maximum and current value."""
    return [Query(measurement, "node $tag_nid", where=tuple(where), by=("nid",))]


def _panel(kind: str, title: str, queries: Sequence[Query], width: int, height: int, description: str) -> dict:
    targets = [query.target(chr(ord("A") + index)) for index, query in enumerate(queries)]
    return {"type": kind, "title": title, "description": description, "datasource": None, "targets": targets,
            "gridPos": {"h": height, "w": width, "x": 0, "y": 0}, "links": [], "transparent": False}


def _axis(unit: str, show: bool = True, minimum: Optional[int] = None) -> dict:
    return {"format": unit, "label": None, "logBase": 1, "min": minimum, "max": None, "show": show}


def graph(title: str, queries: Sequence[Query], *, unit: str = "short", width: int = 12, height: int = 8,
          stack: bool = False, description: str = "") -> dict:
    """Lines over time, one per query and group; the minimum interval is the collector's one minute."""
    return {
        **_panel("graph", title, queries, width, height, description),
        "interval": "1m", "renderer": "flot", "lines": True, "linewidth": 1, "fill": 1 if stack else 0,
        "points": False, "pointradius": 2, "bars": False, "stack": stack, "percentage": False, "steppedLine": False,
        "nullPointMode": "null", "aliasColors": {}, "seriesOverrides": [], "thresholds": [],
        "legend": {"show": True, "values": False, "min": False, "max": False, "avg": False, "current": False,
                   "total": False, "alignAsTable": False, "rightSide": False},
        "tooltip": {"shared": True, "sort": 2, "value_type": "individual"},
        "xaxis": {"mode": "time", "show": True, "name": None, "values": [], "buckets": None},
        "yaxes": [_axis(unit, minimum=0), _axis("short", show=False)],
        "timeFrom": None, "timeShift": None,
    }


TABLE_COLUMNS = {"min": "Min", "avg": "Avg", "max": "Max", "current": "Current"}


def table(title: str, queries: Sequence[Query], *, unit: str = "short", columns: Sequence[str] = tuple(TABLE_COLUMNS),
          width: int = 8, height: int = 8, description: str = "") -> dict:
    """One line per series with its aggregates over the time range (`timeseries_aggregations`)."""
    return {
        **_panel("table", title, queries, width, height, description),
        "transform": "timeseries_aggregations",
        "columns": [{"text": TABLE_COLUMNS[column], "value": column} for column in columns],
        "styles": [
            {"pattern": "Metric", "type": "string", "alias": ""},
            {"pattern": "/.*/", "type": "number", "unit": unit, "decimals": 2, "colorMode": None, "colors": [],
             "thresholds": []},
        ],
        "sort": {"col": 0, "desc": False}, "showHeader": True, "fontSize": "100%", "pageSize": None, "scroll": True,
    }


GREEN, ORANGE, RED = "rgba(50, 172, 45, 0.97)", "rgba(237, 129, 40, 0.89)", "rgba(245, 54, 54, 0.9)"


def stat(title: str, query: Query, *, alarm: bool = False, unit: str = "none", width: int = 8, height: int = 4,
         description: str = "") -> dict:
    """The current value of one series, red from 1 on if `alarm`."""
    return {
        **_panel("singlestat", title, [query], width, height, description),
        "valueName": "current", "format": unit, "decimals": 0, "prefix": "", "postfix": "", "nullText": None,
        "nullPointMode": "connected", "mappingType": 1, "valueMaps": [{"op": "=", "text": "N/A", "value": "null"}],
        "rangeMaps": [], "colorValue": alarm, "colorBackground": False, "thresholds": "1,1",
        "colors": [GREEN, ORANGE, RED] if alarm else [GREEN, GREEN, GREEN],
        "sparkline": {"show": False, "full": False, "lineColor": "rgb(31, 120, 193)", "fillColor": "rgba(31, 118, 189, 0.18)"},
        "gauge": {"show": False, "minValue": 0, "maxValue": 100, "thresholdLabels": False, "thresholdMarkers": True},
        "valueFontSize": "80%", "prefixFontSize": "50%", "postfixFontSize": "50%", "maxDataPoints": 100,
        "cacheTimeout": None, "tableColumn": "",
    }


def variable(name: str, label: str, measurement: str, *, key: Optional[str] = None, where: Sequence[str] = (),
             multi: bool = True) -> dict:
    """A template variable listing the values of tag `key` (default: `name`) in `measurement`."""
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    everything = {"text": "All", "value": ["$__all"]} if multi else {}
    return {
        "name": name, "label": label, "type": "query", "datasource": None,
        "query": f'SHOW TAG VALUES FROM "{known_measurement(measurement)}" WITH KEY = "{key or name}"{condition}',
        "refresh": 1, "regex": "", "sort": 3, "multi": multi, "includeAll": multi, "allValue": None,
        "current": everything, "options": [], "hide": 0, "tags": [], "tagsQuery": "", "tagValuesQuery": "", "useTags": False,
    }


Row = tuple[str, Sequence[dict]]


def _layout(rows: Sequence[Row]) -> list[dict]:
    """Rows as Grafana 5 row panels; each row's panels left to right, wrapping at the grid width; ids from 1."""
    panels: list[dict] = []
    y = 0
    for title, row_panels in rows:
        panels.append({"type": "row", "title": title, "collapsed": False, "panels": [],
                       "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y}})
        y, x, line_height = y + 1, 0, 0
        for panel in row_panels:
            position = panel["gridPos"]
            if x + position["w"] > GRID_WIDTH:
                y, x, line_height = y + line_height, 0, 0
            position.update(x=x, y=y)
            x, line_height = x + position["w"], max(line_height, position["h"])
            panels.append(panel)
        y += line_height
    for number, panel in enumerate(panels, start=1):
        panel["id"] = number
    return panels


def _dashboard(uid: str, title: str, description: str, rows: Sequence[Row], *, variables: Sequence[dict] = (),
               refresh: str = "1m", since: str = "now-3h") -> dict:
    return {
        "id": None, "uid": uid, "title": title, "description": description, "tags": [TAG],
        "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": False, "graphTooltip": 1, "style": "dark",
        "timezone": "browser", "time": {"from": since, "to": "now"}, "refresh": refresh,
        "timepicker": {"refresh_intervals": ["1m", "5m", "15m", "30m", "1h"]},
        "templating": {"list": list(variables)}, "annotations": {"list": []},
        # The other OpenvCloud dashboards, as a menu in the top bar.
        "links": [{"type": "dashboards", "tags": [TAG], "title": "OpenvCloud", "asDropdown": True, "icon": "external link",
                   "includeVars": False, "keepTime": True, "targetBlank": False}],
        "panels": _layout(rows),
    }


def overview() -> dict:
    """The whole G8 at a glance: every node's CPU, memory and NICs, and the virtual disks' total load."""
    rows: list[Row] = [
        ("Virtual disks", [graph("Total IOPS of all virtual disks", [
            # Summed per collector minute (one value per disk), so the total is exact at every zoom level.
            Query(f"disk.iops.{way}|m", way, 'sum("value")', (VIRTUAL,), bucket="1m") for way in ("read", "write")
        ], unit="iops", width=GRID_WIDTH)]),
    ]
    for section, charts in (
        ("CPU (physical nodes)", [("machine.CPU.percent|m", "CPU usage", "percent"), ("machine.CPU.utilisation|m", "CPU time", "s"),
                                  ("machine.CPU.contextswitch|m", "Context switches", "short")]),
        ("Memory (physical nodes)", [("machine.memory.ram.available|m", "RAM available", "mbytes")]),
        ("Network (physical NICs)", [("network.throughput.incoming|m", "Received", "MBs"),
                                     ("network.throughput.outgoing|m", "Transmitted", "MBs")]),
    ):
        panels = []
        for measurement, what, unit in charts:
            panels.append(graph(f"{what}, all physical nodes", spread(measurement, what), unit=unit, width=16))
            panels.append(table(f"{what} per node", per_node(measurement), unit=unit))
        rows.append((section, panels))
    return _dashboard(OVERVIEW_UID, OVERVIEW_TITLE, "Load of every physical node and of all virtual disks (linked from the portal).", rows)


NODE = (matches("gid"), matches("nid"))


def _node_series(measurement: str, alias: str, *tags: str, where: Sequence[str] = (PHYSICAL,)) -> Query:
    """A physical node's series of the selected grid and nodes, one line per node and per `tags`."""
    return Query(measurement, alias, where=(*NODE, *where), by=("nid", *tags))


def nodes() -> dict:
    """Selected nodes in detail: per CPU, disk and NIC, and the virtual machines' disks and NICs."""
    filtered = {"cpu_nr": matches("cpu_nr", "cpu"), "device": matches("device"), "nic": matches("nic"), "mac": matches("mac")}

    def pair(measurements: tuple[str, str], labels: tuple[str, str], tag: str, kind: str = PHYSICAL) -> list[Query]:
        return [_node_series(m, f"{label} node $tag_nid $tag_{tag}", tag, where=(kind, filtered[tag]))
                for m, label in zip(measurements, labels)]

    iops = ("disk.iops.read|m", "disk.iops.write|m")
    throughput = ("network.throughput.incoming|m", "network.throughput.outgoing|m")
    packets = ("network.packets.rx|m", "network.packets.tx|m")
    rows: list[Row] = [
        ("CPU", [
            graph("CPU % per CPU", [_node_series("machine.CPU.percent|m", "node $tag_nid cpu $tag_cpu_nr", "cpu_nr",
                                                 where=(PHYSICAL, filtered["cpu_nr"]))], unit="percent"),
            graph("CPU time per CPU", [_node_series("machine.CPU.utilisation|m", "node $tag_nid cpu $tag_cpu_nr", "cpu_nr",
                                                    where=(PHYSICAL, filtered["cpu_nr"]))], unit="s"),
            graph("Context switches", [_node_series("machine.CPU.contextswitch|m", "node $tag_nid")]),
            # The installer's dashboards show no `type` tag on the thread and swap counts: not filtered on it.
            graph("Threads", [_node_series("machine.process.threads|m", "node $tag_nid", where=())]),
        ]),
        ("Memory", [
            graph("RAM available", [_node_series("machine.memory.ram.available|m", "node $tag_nid")], unit="mbytes"),
            graph("Swap", [_node_series(f"machine.memory.swap.{part}|m", f"{part} node $tag_nid", where=())
                           for part in ("used", "left")],
                  unit="mbytes"),
        ]),
        ("Disks", [
            graph("Physical disk IOPS", pair(iops, ("read", "write"), "device"), unit="iops"),
            graph("Virtual disk IOPS", [Query(m, f"{label} vdisk $tag_vdiskid", where=(VIRTUAL, matches("vdiskid")), by=("vdiskid",))
                                        for m, label in zip(iops, ("read", "write"))], unit="iops"),
        ]),
        ("Network", [
            graph("Physical NIC throughput", pair(throughput, ("rx", "tx"), "nic"), unit="MBs"),
            graph("Physical NIC packets", pair(packets, ("rx", "tx"), "nic"), unit="pps"),
            graph("Virtual NIC throughput", pair(throughput, ("rx", "tx"), "mac", VIRTUAL), unit="MBs"),
            graph("Virtual NIC packets", pair(packets, ("rx", "tx"), "mac", VIRTUAL), unit="pps"),
        ]),
    ]
    grid = matches("gid")
    variables = [
        variable("gid", "Grid", "machine.CPU.percent|m", multi=False),
        variable("nid", "Node", "machine.CPU.percent|m", where=[grid]),
        variable("cpu", "CPU", "machine.CPU.percent|m", key="cpu_nr", where=[grid, matches("nid")]),
        variable("device", "Disk", "disk.iops.read|m", where=[grid, matches("nid"), PHYSICAL]),
        variable("vdiskid", "Virtual disk", "disk.iops.read|m", where=[VIRTUAL]),
        variable("nic", "NIC", "network.throughput.incoming|m", where=[grid, matches("nid"), PHYSICAL]),
        variable("mac", "Virtual NIC", "network.throughput.incoming|m", where=[grid, matches("nid"), VIRTUAL]),
    ]
    return _dashboard("2", "Node and Virtual Machine Performance", "Selected nodes per CPU, disk and NIC; virtual disks and NICs.",
                      rows, variables=variables, since="now-6h")


def storage() -> dict:
    """The selected Open vStorage backend: ASD states, object safety, repairs, traffic and space."""
    backend = matches("backend_name", "backend")

    def current(measurement: str, alias: str, *tags: str) -> Query:
        return Query(measurement, alias, 'last("value")', (backend,), by=tags, bucket=None)

    rows: list[Row] = [
        ("Health", [
            stat("ASDs green", current("ovs.backend.green|m", "green")),
            stat("ASDs orange", current("ovs.backend.orange|m", "orange"), alarm=True),
            stat("ASDs red", current("ovs.backend.red|m", "red"), alarm=True),
            table("Objects per disk safety", [current("ovs.disk_safety.objects|m", "disk safety $tag_disk_safety", "disk_safety")],
                  columns=["current"]),
            table("Objects per bucket", [current("ovs.bucket.objects|m", "bucket $tag_bucket, disk safety $tag_disk_safety",
                                                 "bucket", "disk_safety")], columns=["current"]),
            table("Objects by lost disks", [current("ovs.disk_lost.objects|m", "$tag_disk_lost disks lost", "disk_lost")],
                  columns=["current"]),
        ]),
        ("Repairs and traffic", [
            graph("Objects to repair", [Query("ovs.disk_lost.objects|m", "$tag_disk_lost disks lost",
                                              where=(backend, "\"disk_lost\" != '0'"), by=("disk_lost",))], width=8),
            *[graph(f"{what.capitalize()} per minute", [
                Query(f"ovs.backend.{what}|m", f"$tag_backend_name {what}", 'non_negative_derivative(median("value"), 1m)',
                      (backend,), by=("backend_name",))], width=8) for what in ("gets", "puts")],
        ]),
        ("Space", [graph("Space", [Query(f"ovs.backend.{part}|m", part, where=(backend,)) for part in ("used", "free")],
                         unit="bytes", stack=True, width=GRID_WIDTH)]),
    ]
    variables = [variable("backend", "Backend", "ovs.backend.used|m", key="backend_name", multi=False)]
    return _dashboard("3", "Storage Backend Performance and Health", "One Open vStorage backend.", rows, variables=variables)


def dashboards(datasource: str) -> dict[str, dict]:
    """Every dashboard by file name, each panel and template variable reading `datasource`."""
    built = {f"{slug(d['title'])}.json": d for d in (overview(), nodes(), storage())}
    for dashboard in built.values():
        for item in [*dashboard["panels"], *dashboard["templating"]["list"]]:
            if "datasource" in item:
                item["datasource"] = datasource
    return built
