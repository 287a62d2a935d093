"""BillingSync: host-network Syncthing, generated per-node configs, identities checked by the real syncthing."""
import json
import shutil
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from xml.sax import saxutils

import pytest

from ovc_constructs import BillingSync, InvalidEnvironment, ReplicatedMongo
from ovc_constructs.syncthing import (Folder, Peer, device_id_from_pem, escape, generate_identity, local_config, quoteattr, render_config,
                                     write_identities)

from .conftest import container_named, environment, find, find_all, nodes, pod_spec, site, synth, synth_construct

SYNCTHING = shutil.which("syncthing")
needs_syncthing = pytest.mark.skipif(SYNCTHING is None, reason="syncthing (Debian package) is installed by `make test`")


def configs(out) -> dict:
    """Each node's config.xml as the init container makes it: the shared config with the node's listen address."""
    data = find(out, "ConfigMap", "billing-sync")["data"]
    return {name.removesuffix(".address"): ET.fromstring(local_config(data["config.xml"], address))
            for name, address in data.items() if name.endswith(".address")}


def test_snapshot(example_manifests, yaml_snapshot):
    assert [d for d in example_manifests if d["metadata"]["name"].startswith("billing-sync")] == yaml_snapshot


def test_one_instance_per_node_on_the_host_network_without_a_service(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "billing-sync")
    spec = pod_spec(daemon_set)
    assert spec["hostNetwork"] is True and spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"].startswith("billing-sync")]
    syncthing = container_named(daemon_set, "syncthing")
    assert syncthing["image"] == "syncthing/syncthing:0.14"
    assert "-gui-address" in syncthing["command"] and "127.0.0.1:8384" in syncthing["command"]
    assert syncthing["ports"] == [{"containerPort": 22000, "name": "sync", "protocol": "TCP"},
                                  {"containerPort": 21027, "name": "discovery", "protocol": "UDP"}]
    assert syncthing["livenessProbe"]["tcpSocket"] == {"host": "127.0.0.1", "port": 8384}


def test_identity_is_picked_by_node_name_from_one_secret(example_manifests):
    daemon_set = find(example_manifests, "DaemonSet", "billing-sync")
    pick = container_named(daemon_set, "pick-identity")
    assert pick["env"] == [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
    assert '"/identity/$NODE_NAME-cert.pem"' in pick["command"][-1]
    volumes = {v["name"]: v for v in pod_spec(daemon_set)["volumes"]}
    assert volumes["identity"]["secret"]["secretName"] == "billing-sync"


def test_replicates_billing_influx_and_grafana_host_paths(example_manifests):
    volumes = {v["name"]: v for v in pod_spec(find(example_manifests, "DaemonSet", "billing-sync"))["volumes"]}
    synced = {n: v["hostPath"]["path"] for n, v in volumes.items() if "hostPath" in v}
    # The example keeps the installer's InfluxDB path (paths.influx); the exports folder is its own extra one (system config `directories`).
    assert {"folder-billing": "/var/ovc/billing", "folder-influx": "/var/ovc/influxdb", "folder-grafana": "/var/ovc/grafana",
            "folder-ssh": "/var/ovc/.ssh", "folder-exports": "/var/ovc/exports"}.items() <= synced.items()
    assert "/var/ovc/mongodb" not in synced.values()
    mounts = {m["mountPath"] for m in container_named(find(example_manifests, "DaemonSet", "billing-sync"), "syncthing")["volumeMounts"]}
    assert {"/var/ovc/billing", "/var/ovc/influxdb", "/var/ovc/grafana"} <= mounts


@pytest.mark.parametrize("count", [3, 5])
def test_every_node_is_a_device_and_every_folder_is_shared_with_all(count):
    env = environment(nodes=nodes(count), billing_sync={"folders": [{"id": "images", "path": "/var/ovc/images"}]})
    per_node = configs(synth(env))
    assert sorted(per_node) == [n.name for n in env.nodes]
    # The controllers sync over their management addresses (`<management network + ip_lsb>`).
    management = {n.name: env.address(n, "management") for n in env.nodes}
    assert management["ctrl-01"] == "10.199.0.11"
    expected = {n.syncthing_device_id: f"tcp://{management[n.name]}:22000" for n in env.nodes}
    for node in env.nodes:
        root = per_node[node.name]
        assert {d.get("id"): d.find("address").text for d in root.findall("device")} == expected
        assert root.find("options/listenAddress").text == f"tcp://{management[node.name]}:22000"
        folders = {f.get("id"): f for f in root.findall("folder")}
        assert {i: f.get("path") for i, f in folders.items()} == {
            "billing": "/var/ovc/billing", "influx": "/var/ovc/influxdb", "grafana": "/var/ovc/grafana", "pxeboot": "/var/ovc/pxeboot",
            "0-access": "/var/ovc/0-access", "0-access-hostkeys": "/var/ovc/0-access-hostkeys", "images": "/var/ovc/images",
            "mongo-backups": "/var/ovc/backups/mongodb", "ssh": "/var/ovc/.ssh", "management-hostkeys": "/var/ovc/management-hostkeys"}
        for folder in folders.values():
            assert {d.get("id") for d in folder.findall("device")} == set(expected)


def test_only_controllers_are_devices(example_manifests):
    """BillingSync runs on the controllers only: the cpu and storage nodes get no config and are no devices."""
    per_node = configs(example_manifests)
    assert sorted(per_node) == ["ctrl-01", "ctrl-02", "ctrl-03"]
    assert {d.get("name") for d in per_node["ctrl-01"].findall("device")} == {"ctrl-01", "ctrl-02", "ctrl-03"}


def test_air_gapped_options_and_loopback_gui(example_manifests):
    for root in configs(example_manifests).values():
        options = root.find("options")
        assert options.find("globalAnnounceEnabled").text == "false"
        assert options.find("relaysEnabled").text == "false"
        assert options.find("natEnabled").text == "false"
        assert options.find("urAccepted").text == "-1"
        assert options.find("autoUpgradeIntervalH").text == "0"
        assert root.find("gui/address").text == "127.0.0.1:8384"
        assert root.find("gui/apikey").text == "__API_KEY__", "the API key comes from the Secret at start-up"


def test_mongodb_data_is_never_a_folder():
    with pytest.raises(InvalidEnvironment, match=r"billing_sync.folders\[0\].path: '/var/ovc/mongodb' overlaps the MongoDB data"):
        environment(billing_sync={"folders": [{"id": "mongo", "path": "/var/ovc/mongodb"}]})
    with pytest.raises(InvalidEnvironment, match=r"billing_sync.folders\[0\].path: '/var/ovc' overlaps the MongoDB data"):
        environment(billing_sync={"folders": [{"id": "all", "path": "/var/ovc"}]})
    ids = {n["name"]: n["syncthing_device_id"] for n in nodes(3)}
    with pytest.raises(ValueError, match="BillingSync never syncs MongoDB data"):
        synth_construct(lambda c: BillingSync(c, "sync", site=site(3), device_ids=ids, folders=[("db", "/var/ovc/mongodb/db")],
                                              mongo=ReplicatedMongo(c, "mongo", site=site(3))))


@pytest.mark.parametrize("value", ["/var/ovc/billing", "", "a&b<c>d", 'say "hi"', "it's", "both ' and \"", "x\ny\rz\tw",
                                   "&amp; already", "\u00e9\u4e2d <\U0001f600>"])
def test_xml_escaping_is_the_standard_librarys(value):
    """Our own escape/quoteattr (saxutils imports urllib.request) write exactly what xml.sax.saxutils writes."""
    assert (escape(value), quoteattr(value)) == (saxutils.escape(value), saxutils.quoteattr(value))
    element = ET.fromstring(f"<folder path={quoteattr(value)}>{escape(value)}</folder>")
    assert element.get("path") == value
    assert (element.text or "") == value.replace("\r", "\n"), "(a parser reads a raw CR in text as a line end)"


def test_missing_device_id_names_the_command_to_run():
    plain = [{k: v for k, v in n.items() if k != "syncthing_device_id"} for n in nodes(3)]
    with pytest.raises(InvalidEnvironment, match=r"nodes\[0\].syncthing_device_id: required while billing_sync is enabled; run `python -m ovc_constructs syncthing-identities`"):
        environment(nodes=plain)
    assert find_all(synth(environment(nodes=plain, billing_sync={"enabled": False})), "DaemonSet")


def test_bad_device_id_is_rejected():
    bad = nodes(3)
    bad[1]["syncthing_device_id"] = bad[1]["syncthing_device_id"][:-1] + ("A" if bad[1]["syncthing_device_id"][-1] != "A" else "B")
    with pytest.raises(InvalidEnvironment, match=r"nodes\[1\].syncthing_device_id: .* is not a Syncthing device ID"):
        environment(nodes=bad)


@needs_syncthing
def test_our_device_id_equals_the_real_syncthing_one(tmp_path):
    for index in range(3):
        home = tmp_path / str(index)
        home.mkdir()
        cert, key = generate_identity()
        (home / "cert.pem").write_bytes(cert)
        (home / "key.pem").write_bytes(key)
        real = subprocess.run([SYNCTHING, "serve", "--home", str(home), "--device-id"], capture_output=True, text=True, check=True)
        assert real.stdout.strip() == device_id_from_pem(cert)
    generated = tmp_path / "generated"
    output = subprocess.run([SYNCTHING, "generate", "--home", str(generated)], capture_output=True, text=True, check=True)
    assert f"Device ID: {device_id_from_pem((generated / 'cert.pem').read_bytes())}" in output.stdout + output.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_syncthing
def test_real_syncthing_loads_our_config_and_serves_devices_and_folders(tmp_path):
    names = ["ctrl-01", "ctrl-02", "ctrl-03"]
    ids = write_identities(names, tmp_path / "identities")
    peers = [Peer(n, ids[n], f"127.0.0.{11 + i}") for i, n in enumerate(names)]
    folders = [Folder("billing", str(tmp_path / "billing")), Folder("influx", str(tmp_path / "influx"))]
    for folder in folders:
        (tmp_path / folder.id).mkdir()
    home = tmp_path / "home"
    home.mkdir()
    api_key = (tmp_path / "identities" / "apikey").read_text()
    (home / "config.xml").write_text(render_config(peers[0], peers, folders).replace("__API_KEY__", api_key))
    shutil.copy(tmp_path / "identities" / "ctrl-01-cert.pem", home / "cert.pem")
    shutil.copy(tmp_path / "identities" / "ctrl-01-key.pem", home / "key.pem")
    port = free_port()
    process = subprocess.Popen(
        [SYNCTHING, "serve", "--home", str(home), "--no-browser", "--no-restart", "--no-upgrade", "--no-default-folder",
         f"--gui-address=http://127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={"HOME": str(tmp_path), "STNODEFAULTFOLDER": "1", "PATH": "/usr/bin:/bin"},
    )
    try:
        config = None
        for _ in range(60):
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/rest/config", headers={"X-API-Key": api_key})
                config = json.load(urllib.request.urlopen(request, timeout=2))
                break
            except OSError:
                time.sleep(0.5)
        assert config is not None, "syncthing did not serve its REST API"
        devices = {d["deviceID"]: d for d in config["devices"]}
        assert set(devices) == set(ids.values())
        assert devices[ids["ctrl-02"]]["addresses"] == ["tcp://127.0.0.12:22000"]
        assert devices[ids["ctrl-03"]]["name"] == "ctrl-03"
        served = {f["id"]: f for f in config["folders"]}
        assert set(served) == {"billing", "influx"}
        for folder in served.values():
            assert {d["deviceID"] for d in folder["devices"]} == set(ids.values())
        options = config["options"]
        assert options["globalAnnounceEnabled"] is False and options["relaysEnabled"] is False
        assert options["natEnabled"] is False and options["urAccepted"] == -1
        assert options["listenAddresses"] == ["tcp://127.0.0.11:22000"]
        denied = urllib.request.Request(f"http://127.0.0.1:{port}/rest/config", headers={"X-API-Key": "wrong"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(denied, timeout=2)
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_identities_command_writes_keys_outside_dist_and_prints_ids(tmp_path):
    import os
    import sys

    from .conftest import EXAMPLE, ROOT

    plain = tmp_path / "env.yaml"
    plain.write_text("\n".join(l for l in EXAMPLE.read_text().splitlines() if "syncthing_device_id" not in l))
    run = lambda out: subprocess.run([sys.executable, "-m", "ovc_constructs", "syncthing-identities", "--env", str(plain), "--out", str(out)],
                                     capture_output=True, text=True, cwd=ROOT, env=os.environ)
    result = run(tmp_path / "keys")
    assert result.returncode == 0, result.stderr
    ids = write_identities(["ctrl-01", "ctrl-02", "ctrl-03"], tmp_path / "keys")  # reuses the pairs just written
    for device_id in ids.values():
        assert f"syncthing_device_id: {device_id}" in result.stdout
    secret = (tmp_path / "keys" / "billing-sync-secret.yaml").read_text()
    assert "ctrl-01-key.pem" in secret and oct((tmp_path / "keys" / "ctrl-01-key.pem").stat().st_mode)[-3:] == "600"
    assert run(tmp_path / "dist" / "keys").returncode == 2
