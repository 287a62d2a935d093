"""Values Kubernetes refuses later, or accepts to the G8's harm, are refused by validation with the reason;
and the largest G8 validation accepts synthesizes to objects Kubernetes accepts (docs/reliability.md, Sizes)."""
import copy
import json
import subprocess
import time

import pytest

from ovc_constructs import InvalidEnvironment
from ovc_constructs.billing_sync import PICK_IDENTITY
from ovc_constructs.environment import MAX_CONTROLLERS, MAX_NODES, MAX_RESERVATIONS, MAX_SYNC_FOLDERS, MAX_VIRTUAL_HOSTS

from .conftest import environment, example_data, find, nodes, synth

CONFIG_MAP_DATA = 1024 * 1024
"""ConfigMap and Secret data: at most 1 MiB."""
OBJECT = 1536 * 1024
"""A whole object: etcd's default request limit is 1.5 MiB."""


def refused(overrides: dict) -> list[str]:
    with pytest.raises(InvalidEnvironment) as raised:
        environment(**overrides)
    return raised.value.lines


def assert_refused(overrides: dict, field: str, reason: str) -> None:
    lines = refused(overrides)
    assert any(line.startswith((f"test.yaml: {field}: ", f"test.yaml: {field}.")) and reason in line for line in lines), lines


def with_node(index: int, **fields) -> dict:
    changed = copy.deepcopy(example_data()["nodes"])
    changed[index].update(fields)
    return {"nodes": changed}


@pytest.mark.parametrize("cidr, reason", [
    ("0.0.0.0/0", "larger than a /8"),
    ("10.0.0.0/7", "larger than a /8"),
    ("0.0.0.0/8", "0.0.0.0/8, loopback"),
    ("127.0.0.0/8", "loopback"),
    ("224.0.0.0/24", "multicast"),
    ("169.254.0.0/16", "link-local"),
    ("185.69.164.0/24", "not a private range"),
])
def test_management_network_must_be_a_private_subnet(cidr, reason):
    assert_refused({"networks": {"management": {"cidr": cidr}}}, "networks.management.cidr", reason)


@pytest.mark.parametrize("cidr", ["8.8.8.0/24", "0.0.0.0/0"])
def test_backplane_network_must_be_a_private_subnet(cidr):
    assert_refused({"networks": {"backplane": {"cidr": cidr}}}, "networks.backplane.cidr", "")


@pytest.mark.parametrize("cidr", ["10.199.0.0/22", "172.16.4.0/24", "192.168.1.0/24", "100.64.0.0/22"])
def test_private_and_cgnat_management_networks_are_accepted(cidr):
    environment(networks={"management": {"cidr": cidr, "gateway": cidr.split("/")[0][:-1] + "1"}},
                nodes=[dict(n, ip_lsb=10 + i) for i, n in enumerate(nodes(3))], pxe=None)


@pytest.mark.parametrize("public_ip, reason", [
    ("0.0.0.0", "unspecified"),
    ("127.0.0.1", "loopback"),
    ("255.255.255.255", "broadcast"),
    ("224.0.0.5", "multicast"),
    ("169.254.1.1", "link-local"),
    ("240.0.0.1", "reserved"),
    ("185.69.164.0/24", "network or broadcast address"),
    ("185.69.164.255/24", "network or broadcast address"),
])
def test_node_public_ip_must_be_a_usable_unicast_address(public_ip, reason):
    assert_refused(with_node(0, public_ip=public_ip), "nodes[0].public_ip", reason)


@pytest.mark.parametrize("field, value", [("ip_lsb", 0), ("addresses", {"management": "10.199.3.255"}),
                                          ("addresses", {"management": "10.199.0.0"})])
def test_node_addresses_are_never_the_network_or_broadcast_address(field, value):
    lines = refused(with_node(0, **{field: value}))
    assert any("nodes[0]" in line and ("is not a host address" in line or "greater than or equal to 1" in line) for line in lines), lines


@pytest.mark.parametrize("gateway", ["10.199.0.0", "10.199.3.255"])
def test_management_gateway_is_never_the_network_or_broadcast_address(gateway):
    assert_refused({"networks": {"management": {"gateway": gateway}}}, "networks.management.gateway", "is not a host address")


@pytest.mark.parametrize("field", ["bios_boot_file", "uefi_boot_file"])
@pytest.mark.parametrize("value", ["../etc/shadow", "/etc/shadow", "efi/../../x", "./pxelinux.0", "a//b", "a b"])
def test_pxe_boot_files_stay_below_the_tftp_root(field, value):
    assert_refused({"pxe": {field: value}}, f"pxe.{field}", "not a file below the TFTP root")


@pytest.mark.parametrize("field, overrides", [
    ("paths.billing", lambda p: {"paths": {"billing": p}}),
    ("grafana.host_path", lambda p: {"grafana": {"host_path": p}}),
    ("billing_sync.folders[0].path", lambda p: {"billing_sync": {"folders": [{"id": "x", "path": p}]}}),
    ("mongo.host_path", lambda p: {"mongo": {"host_path": p}}),
])
@pytest.mark.parametrize("path", ["/", "/etc", "/var", "/proc", "/sys", "/dev", "/root", "/usr", "/boot", "/bin",
                                  "/etc/ssh", "/var/lib", "/var/lib/kubelet/pods", "/usr/local/bin", "/root/.ssh"])
def test_system_directories_are_never_host_paths(field, overrides, path):
    assert_refused(overrides(path), field, "below /" if path == "/" else "system directory")


@pytest.mark.parametrize("path", ["/var/ovc/../../etc", "/var/ovc/./billing", "/var//ovc", "var/ovc", "/var/ovc/\nx"])
def test_host_paths_are_plain_absolute_paths(path):
    assert_refused({"paths": {"billing": path}}, "paths.billing", "not an absolute host path")


@pytest.mark.parametrize("tag, reason", [
    ("1" * 64, "at most 63"),
    ("2.4.5-é", "ASCII"),
    ("_private", "beginning and ending with a letter or digit"),
    ("1.4-", "beginning and ending with a letter or digit"),
])
def test_image_tags_must_be_label_values(tag, reason):
    assert_refused({"release": {"images": {"mongo": tag}}}, "release.images.mongo", reason)
    assert_refused({"helper_image": f"busybox:{tag}"}, "helper_image", "app.kubernetes.io/version")


@pytest.mark.parametrize("url", ["https://files.example.com/t\u00e9l\u00e9chargements/2.4.5.3/manifest.yml",
                                 "https://files.example.com/releases/\x07/manifest.yml"])
def test_upstream_urls_are_printable_ascii(url):
    """They are written into the versions manifest and nginx.conf: a control character or an unencoded letter
    there is a mistake (and YAML writers may fold such a quoted string differently)."""
    assert_refused({"release": {"url": url}}, "release.url", "printable ASCII; percent-encode")


@pytest.mark.parametrize("schedule, reason", [
    ("a b c d e", "the minute field 'a'"),
    ("60 2 * * *", "the minute field '60'"),
    ("0 24 * * *", "the hour field '24'"),
    ("0 2 0 * *", "the day of month field '0'"),
    ("0 2 * 13 *", "the month field '13'"),
    ("0 2 * * 8", "the day of week field '8'"),
    ("*/0 2 * * *", "the minute field '*/0'"),
    ("0 5-2 * * *", "the hour field '5-2'"),
    ("0 2 * * mon-", "the day of week field 'mon-'"),
    ("0 2 * *", "5-field"),
    ("0 2 * * * *", "5-field"),
])
def test_cron_schedules_are_checked_field_by_field(schedule, reason):
    assert_refused({"mongo": {"backup": {"schedule": schedule}}}, "mongo.backup.schedule", reason)


@pytest.mark.parametrize("schedule", ["30 2 * * *", "*/15 * * * *", "0 0-23/2 1,15 jan-jun mon-fri", "0 3 * * 7", "5 4 * DEC SUN"])
def test_usual_cron_schedules_are_accepted(schedule):
    environment(mongo={"backup": {"schedule": schedule}})


@pytest.mark.parametrize("resources, reason", [
    ({"cpu_request": "2", "cpu_limit": "1"}, "cpu_request '2' is above cpu_limit '1'"),
    ({"memory_request": "1Gi", "memory_limit": "512Mi"}, "memory_request '1Gi' is above memory_limit '512Mi'"),
    ({"cpu_request": "0", "cpu_limit": "0"}, "'0' is outside 1m-256 CPUs"),
    ({"memory_request": "0", "memory_limit": "0"}, "'0' is outside 4Mi-1Ti"),
    ({"memory_request": "1Mi"}, "'1Mi' is outside 4Mi-1Ti"),
    ({"memory_request": "5m", "memory_limit": "512m"}, "'512m' is outside 4Mi-1Ti"),
    ({"memory_limit": "2Ti"}, "'2Ti' is outside 4Mi-1Ti"),
    ({"cpu_limit": "1000"}, "'1000' is outside 1m-256 CPUs"),
])
def test_resources_are_schedulable(resources, reason):
    full = {"cpu_request": "100m", "memory_request": "256Mi", "cpu_limit": "1", "memory_limit": "1Gi", **resources}
    assert_refused({"osis": {"resources": full}}, "osis.resources", reason)


def test_syncthing_device_ids_are_unique():
    changed = copy.deepcopy(example_data()["nodes"])
    changed[2]["syncthing_device_id"] = changed[0]["syncthing_device_id"]
    assert_refused({"nodes": changed}, "nodes[2].syncthing_device_id", "is already used by nodes[0]")


@pytest.mark.parametrize("namespace", ["kube-system", "kube-public", "kube-node-lease", "default"])
def test_system_namespaces_are_refused(namespace):
    assert_refused({"namespace": namespace}, "namespace", "Kubernetes system namespace")


def largest(controllers: int = MAX_CONTROLLERS, total: int = MAX_NODES) -> dict:
    """The largest G8 validation accepts: MAX_CONTROLLERS controllers and cpu nodes up to MAX_NODES, long names,
    the most sync folders, PXE reservations and virtual hosts."""
    width = 58  # PxeBoot names a node's IPMI interface ipmi-<name>, a DNS label
    controller_nodes = [dict(n, name=n["name"].ljust(width, "x"), ip_lsb=10 + i, public_ip=f"185.69.164.{10 + i}/24")
                        for i, n in enumerate(nodes(controllers))]
    cpu_nodes = [{"name": f"cpu-{i:03d}".ljust(width, "y"), "roles": ["cpu"], "ip_lsb": 300 + i,
                  "management_mac": f"02:00:0a:04:{i // 256:02x}:{i % 256:02x}",
                  "ipmi": {"mac": f"02:00:0b:04:{i // 256:02x}:{i % 256:02x}", "username": "ADMIN"}}
                 for i in range(total - controllers)]
    return dict(
        nodes=controller_nodes + cpu_nodes,
        networks={name: {"cidr": f"10.{200 + index}.0.0/16"} for index, name in
                  enumerate(("backplane", "storage", "vxbackend", "gateway_management", "ipmi"))}
        | {"management": {"cidr": "10.199.0.0/16", "gateway": "10.199.0.1"}},
        billing_sync={"folders": [{"id": f"extra-{i:02d}".ljust(63, "z"), "path": f"/var/ovc/extra/{i:02d}/" + "p" * 200}
                                  for i in range(MAX_SYNC_FOLDERS)]},
        pxe={"reservations": [{"mac": f"02:00:0c:05:{i // 256:02x}:{i % 256:02x}", "ip": f"10.199.{8 + i // 250}.{1 + i % 250}",
                               "hostname": f"machine-{i:03d}".ljust(63, "m")} for i in range(MAX_RESERVATIONS)],
             "reinstall": []},
        portal={"virtual_hosts": [{"name": f"vhost-{i:02d}".ljust(63, "v"), "upstream": f"http://10.199.7.{i + 1}:8080/" + "u" * 100}
                                  for i in range(MAX_VIRTUAL_HOSTS)]},
    )


def data_size(manifest: dict) -> int:
    return sum(len(key.encode()) + len(str(value).encode())
               for field in ("data", "binaryData", "stringData") for key, value in manifest.get(field, {}).items())


def test_the_largest_supported_g8_fits_kubernetes_object_limits():
    started = time.monotonic()
    env = environment(**largest())
    assert len(env.controllers) == MAX_CONTROLLERS and len(env.nodes) == MAX_NODES
    manifests = synth(env)
    assert time.monotonic() - started < 60
    for manifest in manifests:
        name = f"{manifest['kind']}/{manifest['metadata']['name']}"
        assert len(json.dumps(manifest, separators=(",", ":"))) <= OBJECT, name
        if manifest["kind"] in ("ConfigMap", "Secret"):
            assert data_size(manifest) <= CONFIG_MAP_DATA, f"{name}: {data_size(manifest)} bytes of data"
    # BillingSync's ConfigMap grows linearly: one shared config.xml and one address per controller.
    billing = find(manifests, "ConfigMap", "billing-sync")["data"]
    assert len(billing) == MAX_CONTROLLERS + 1 and data_size({"data": billing}) < 512 * 1024


@pytest.mark.parametrize("overrides, field, reason", [
    (lambda: {"nodes": largest(MAX_CONTROLLERS + 1, MAX_CONTROLLERS + 1)["nodes"]}, "nodes", f"at most {MAX_CONTROLLERS}"),
    (lambda: {"nodes": largest(3, MAX_NODES + 1)["nodes"], "networks": largest()["networks"], "pxe": None},
     "nodes", f"at most {MAX_NODES}"),
    (lambda: {"billing_sync": {"folders": [{"id": f"f{i}", "path": f"/var/ovc/f{i}"} for i in range(MAX_SYNC_FOLDERS + 1)]}},
     "billing_sync.folders", f"at most {MAX_SYNC_FOLDERS}"),
    (lambda: {"portal": {"virtual_hosts": [{"name": f"v{i}", "upstream": "http://10.1.1.1"} for i in range(MAX_VIRTUAL_HOSTS + 1)]}},
     "portal.virtual_hosts", f"at most {MAX_VIRTUAL_HOSTS}"),
    (lambda: {"switches": {"mellanox": {"config": "x" * 70000}}}, "switches", "at most 64 KiB"),
], ids=["controllers", "nodes", "folders", "virtual-hosts", "switches"])
def test_a_g8_beyond_the_supported_size_is_refused_with_the_limit(overrides, field, reason):
    assert_refused(overrides(), field, reason)


def test_pick_identity_puts_the_nodes_listen_address_and_api_key_into_the_shared_config(tmp_path):
    env = environment()
    data = find(synth(env), "ConfigMap", "billing-sync")["data"]
    for directory in ("templates", "identity", "config"):
        (tmp_path / directory).mkdir()
    for key, value in data.items():
        (tmp_path / "templates" / key).write_text(value)
    for kind in ("cert", "key"):
        (tmp_path / "identity" / f"ctrl-02-{kind}.pem").write_text(kind)
    (tmp_path / "identity" / "apikey").write_text("s3cret")
    script = PICK_IDENTITY.replace("/templates", str(tmp_path / "templates")).replace("/identity", str(tmp_path / "identity")) \
        .replace("/var/syncthing/config", str(tmp_path / "config"))
    subprocess.run(["sh", "-c", script], env={"NODE_NAME": "ctrl-02", "PATH": "/usr/bin:/bin"}, check=True)
    config = (tmp_path / "config" / "config.xml").read_text()
    assert "<listenAddress>tcp://10.199.0.12:22000</listenAddress>" in config
    assert "<apikey>s3cret</apikey>" in config and "__" not in config
    stranger = subprocess.run(["sh", "-c", script], env={"NODE_NAME": "cpu-01", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert stranger.returncode == 1 and "not a controller of this G8" in stranger.stdout
