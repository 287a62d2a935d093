"""PxeBoot: one instance on the management gateway address, every node reserved and named, the TFTP root filled by
pxeboot-init (run here for real), least privilege, and every dnsmasq config checked by the real dnsmasq."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ovc_constructs import InvalidEnvironment, PxeBoot, parse_environment
from ovc_constructs.environment import PxeSettings, Reservation
from ovc_constructs.pxeboot import DNSMASQ_FLAGS, PxeHost, boot_entry, render_dnsmasq_config

from .conftest import CONVERGED, ENVIRONMENTS, container_named, environment, example_data, find, merge, pod_spec, site, synth, synth_construct

DNSMASQ = shutil.which("dnsmasq") or shutil.which("dnsmasq", path="/usr/sbin")
BUSYBOX = shutil.which("busybox")
GATEWAY = "10.199.0.1"
# The split example's nodes: (name, management MAC, management IP, IPMI MAC, IPMI IP).
NODES = [(n["name"], n["management_mac"], f"10.199.0.{n['ip_lsb']}", n["ipmi"]["mac"], f"10.199.4.{n['ip_lsb']}")
         for n in example_data()["nodes"]]
EXTRA = [{"mac": "52:54:00:a1:00:40", "ip": "10.199.0.40", "hostname": "switch-console"}]


def pxe(**fields) -> dict:
    return {"interface": "mgmt", **fields}


SYNTHESIZED: dict[str, list[dict]] = {}


def outputs(**fields) -> list[dict]:
    """The example with these pxe fields, synthesized once per module (read it, never change it)."""
    key = repr(sorted(fields.items()))
    if key not in SYNTHESIZED:
        SYNTHESIZED[key] = synth(environment(pxe=pxe(**fields)))
    return SYNTHESIZED[key]


def files(manifests: list[dict]) -> dict[str, str]:
    return find(manifests, "ConfigMap", "pxeboot")["data"]


def env_of(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


def test_snapshot(example_manifests, yaml_snapshot):
    assert [d for d in example_manifests if d["metadata"]["name"].startswith("pxeboot")] == yaml_snapshot


def test_the_importer_writes_only_the_interface_and_nothing_for_a_converged_g8():
    shipped = {path.stem: yaml.safe_load(path.read_text()) for path in ENVIRONMENTS}
    assert shipped["be-g8-3"]["pxe"] == {"interface": "mgmt"}
    assert "pxe" not in shipped["be-conv-1"]


def test_exactly_one_instance_on_labelled_controllers_not_pinned(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    spec = pod_spec(deployment)
    assert spec["hostNetwork"] is True
    expressions = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]["matchExpressions"]
    assert expressions == [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["ctrl-01", "ctrl-02", "ctrl-03"]},
        {"key": "openvcloud.io/pxeboot", "operator": "In", "values": ["true"]},
    ]
    assert [c["name"] for c in spec["initContainers"]] == ["pxeboot-init"]
    assert [c["name"] for c in spec["containers"]] == ["dnsmasq", "images", "apt-repository"]


def test_least_privilege_capabilities(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    init = container_named(deployment, "pxeboot-init")["securityContext"]
    assert init["capabilities"] == {"drop": ["ALL"], "add": ["NET_ADMIN"]}
    assert init["runAsUser"] == 0 and init["privileged"] is False and init["allowPrivilegeEscalation"] is False
    assert init["readOnlyRootFilesystem"] is True
    dnsmasq = container_named(deployment, "dnsmasq")["securityContext"]
    assert dnsmasq["capabilities"] == {"drop": ["ALL"], "add": ["NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW"]}
    assert dnsmasq["privileged"] is False and dnsmasq["allowPrivilegeEscalation"] is False
    for name in ("images", "apt-repository"):
        context = container_named(deployment, name)["securityContext"]
        assert context["capabilities"] == {"drop": ["ALL"]} and context["runAsNonRoot"] is True
    reasons = {v.split("=", 1)[0]: v.split("=", 1)[1] for k, v in deployment["metadata"]["annotations"].items()
               if k.startswith("checkov.io/skip")}
    for check in ("CKV_K8S_23", "CKV_K8S_25", "CKV_K8S_40"):
        assert "pxeboot-init" in reasons[check] and "only NET_ADMIN" in reasons[check], reasons[check]


def test_privileged_only_when_asked():
    deployment = find(outputs(privileged=True), "Deployment", "pxeboot")
    assert container_named(deployment, "dnsmasq")["securityContext"]["privileged"] is True
    assert container_named(deployment, "pxeboot-init")["securityContext"]["capabilities"]["add"] == ["NET_ADMIN"]


def test_host_layout_of_the_installer(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    volumes = {v["name"]: v["hostPath"]["path"] for v in pod_spec(deployment)["volumes"] if "hostPath" in v}
    assert volumes == {"tftp": "/var/ovc/pxeboot/tftpboot", "leases": "/var/ovc/pxeboot/conf",
                       "images": "/var/ovc/pxeboot/images", "apt": "/var/ovc/pxeboot/apt"}
    init = container_named(deployment, "pxeboot-init")
    # It writes only what it fills, never the leases or the apt repository.
    assert {m["name"]: m["mountPath"] for m in init["volumeMounts"]} == {
        "config": "/etc/ovc", "tftp": "/opt/pxeboot/tftpboot", "images": "/opt/pxeboot/images"}
    assert env_of(init)["PXE_ROOT"] == "/opt/pxeboot"
    assert init["command"] == ["bash", "/etc/ovc/pxeboot-init.sh"]
    assert "dhcp-leasefile=/var/lib/ovc-pxe/leases" in files(example_manifests)["dnsmasq.conf"].splitlines()
    assert {m["mountPath"]: m["name"] for m in container_named(deployment, "dnsmasq")["volumeMounts"]}["/var/lib/ovc-pxe"] == "leases"


def test_the_pxe_images_come_from_the_release(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    assert container_named(deployment, "pxeboot-init")["image"] == "openvcloud/pxeboot-init:2.4.0"
    assert container_named(deployment, "dnsmasq")["image"] == "openvcloud/pxeboot:2.4.0"
    assert container_named(deployment, "images")["image"] == "openvcloud/pxeboot-httpd:2.4.0"


def test_reservations_and_names_for_every_node_and_ipmi_interface(example_manifests):
    lines = files(example_manifests)["dnsmasq.conf"].splitlines()
    expected_hosts, expected_names = [], []
    for name, mac, ip, ipmi_mac, ipmi_ip in NODES:
        expected_hosts += [f"dhcp-host={mac},{ip},{name},infinite", f"dhcp-host={ipmi_mac},{ipmi_ip},ipmi-{name},infinite"]
        expected_names += [f"host-record={name}.be-g8-3,{name},{ip}", f"host-record=ipmi-{name}.be-g8-3,ipmi-{name},{ipmi_ip}"]
    assert [line for line in lines if line.startswith("dhcp-host=")] == expected_hosts
    assert [line for line in lines if line.startswith("host-record=")] == expected_names
    assert len(expected_hosts) == 14
    for expected in ("domain=be-g8-3", "local=/be-g8-3/", "expand-hosts", "no-hosts", "no-resolv", "server=8.8.8.8", "server=8.8.4.4",
                     "dhcp-range=set:management,10.199.0.0,static,255.255.252.0,12h",
                     "dhcp-range=set:ipmi,10.199.4.0,static,255.255.255.0,12h",
                     f"dhcp-option=tag:management,option:router,{GATEWAY}", f"dhcp-option=tag:management,option:dns-server,{GATEWAY}",
                     "enable-tftp", "tftp-root=/srv/tftp",
                     f"dhcp-boot=tag:!efi-x86_64,pxelinux.0,,{GATEWAY}", f"dhcp-boot=tag:efi-x86_64,bootx64.efi,,{GATEWAY}"):
        assert expected in lines, expected
    assert not [line for line in lines if line.startswith("port=")], "DNS is on: the nodes' names resolve on the gateway"


def test_extra_reservations_and_dns_servers_are_settings():
    lines = files(outputs(reservations=EXTRA, dns_servers=["1.1.1.1"]))["dnsmasq.conf"].splitlines()
    assert "dhcp-host=52:54:00:a1:00:40,10.199.0.40,switch-console,infinite" in lines
    assert "host-record=switch-console.be-g8-3,switch-console,10.199.0.40" in lines
    assert [line for line in lines if line.startswith("server=")] == ["server=1.1.1.1"]


def test_without_an_ipmi_network_there_is_no_ipmi_range_and_no_ipmi_name():
    env = parse_environment(merge(example_data(), {"networks": {"ipmi": None}}), "test.yaml")
    lines = files(synth(env))["dnsmasq.conf"].splitlines()
    assert not [line for line in lines if "ipmi" in line]
    assert len([line for line in lines if line.startswith("dhcp-host=")]) == len(NODES)


def test_everything_binds_to_the_gateway_which_init_puts_on_mgmt_and_dnsmasq_removes(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    init = env_of(container_named(deployment, "pxeboot-init"))
    assert (init["PXE_INTERFACE"], init["PXE_GATEWAY"]) == ("mgmt", "10.199.0.1/22")
    dnsmasq = container_named(deployment, "dnsmasq")
    assert dnsmasq["lifecycle"]["preStop"]["exec"]["command"] == ["ip", "addr", "del", "10.199.0.1/22", "dev", "mgmt"]
    lines = files(example_manifests)["dnsmasq.conf"].splitlines()
    # listen-address alone: `interface=mgmt` would also listen on loopback and the node's own address (tried with dnsmasq).
    assert f"listen-address={GATEWAY}" in lines and "bind-interfaces" in lines
    assert not [line for line in lines if line.startswith(("interface=", "except-interface="))]
    images = container_named(deployment, "images")
    assert images["command"] == ["httpd", "-f", "-v", "-p", f"{GATEWAY}:8080", "-h", "/srv/images"]
    assert images["readinessProbe"]["tcpSocket"] == {"host": GATEWAY, "port": 8080}
    assert f"listen {GATEWAY}:8081;" in files(example_manifests)["apt-nginx.conf"]
    assert container_named(deployment, "apt-repository")["command"][:3] == ["nginx", "-c", "/etc/ovc/apt-nginx.conf"]


def test_an_ipmi_address_lets_dnsmasq_answer_the_bmcs_too():
    out = synth(parse_environment(merge(example_data(), {"pxe": pxe(ipmi_address="10.199.4.254")}), "test.yaml"))
    deployment = find(out, "Deployment", "pxeboot")
    assert env_of(container_named(deployment, "pxeboot-init"))["PXE_IPMI_ADDRESS"] == "10.199.4.254/24"
    lines = files(out)["dnsmasq.conf"].splitlines()
    assert [line for line in lines if line.startswith("listen-address=")] == [f"listen-address={GATEWAY}", "listen-address=10.199.4.254"]
    assert "dhcp-host=02:00:0a:03:01:21,10.199.4.21,ipmi-cpu-01,infinite" in lines
    assert container_named(deployment, "dnsmasq")["lifecycle"]["preStop"]["exec"]["command"] == [
        "sh", "-c", "ip addr del 10.199.0.1/22 dev mgmt; ip addr del 10.199.4.254/24 dev mgmt"]


@pytest.mark.parametrize("address, expected", [
    ("10.199.0.254", "pxe.ipmi_address: '10.199.0.254' is not a host address inside networks.ipmi.cidr 10.199.4.0/24"),
    ("10.199.4.21", "pxe.ipmi_address: '10.199.4.21' is reserved for a machine"),
])
def test_a_bad_ipmi_address_is_a_clear_error(address, expected):
    with pytest.raises(InvalidEnvironment, match=re.escape(expected)):
        parse_environment(merge(example_data(), {"pxe": pxe(ipmi_address=address)}), "test.yaml")


def test_boot_configs_default_to_the_local_disk_and_911_boots_from_the_gateway(example_manifests):
    data = files(example_manifests)
    default, rescue = data["pxelinux-default"].splitlines(), data["pxelinux-911"].splitlines()
    assert {"default local", "prompt 1", "timeout 100"} <= set(default) and "    localboot 0" in default
    assert "default 911" in rescue
    for lines in (default, rescue):
        assert lines[lines.index("label 911") + 1:] == [
            "    kernel 911-vmlinuz", "    initrd 911-ramfs", "    ipappend 2",
            f"    append root=none ip=dhcp fullroot=http://{GATEWAY}:8080"]
    assert data["pubkey"] == example_data()["ssh"]["public_key"] + "\n"


def test_nodes_marked_for_reinstall_get_a_boot_entry_and_a_restart():
    marked = outputs(reinstall=["cpu-01", "stor-02"])
    deployment = find(marked, "Deployment", "pxeboot")
    assert env_of(container_named(deployment, "pxeboot-init"))["PXE_REINSTALL"] == "01-02-00-0a-03-00-21 01-02-00-0a-03-00-32"
    unmarked = find(outputs(), "Deployment", "pxeboot")
    assert env_of(container_named(unmarked, "pxeboot-init"))["PXE_REINSTALL"] == ""
    # A new mark changes the pod template, so `kubectl apply` restarts the pod and pxeboot-init writes the entries.
    assert deployment["spec"]["template"] != unmarked["spec"]["template"]
    assert boot_entry("0C:C4:7A:AC:11:36") == "01-0c-c4-7a-ac-11-36"


def test_no_pxe_section_means_no_pxeboot():
    out = synth(parse_environment(merge(example_data(), {"pxe": None}), "x.yaml"))
    assert not [d for d in out if d["metadata"]["name"].startswith("pxeboot")]


# ---------------------------------------------------------------- pxeboot-init, executed for real

FAKE_IP = """#!/bin/sh
echo "$*" >> "$IP_LOG"
case "$*" in "link show dev "*) test "$4" = "$FAKE_INTERFACE" || { echo "Device \\"$4\\" does not exist." >&2; exit 1; } ;; esac
"""
BUSYBOX_TOOLS = ("sh", "cp", "mv", "rm", "mkdir", "chmod", "cat", "test", "echo")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def init_world(tmp_path):
    """A fake image /source, an existing host directory of the historical installer, the ConfigMap and a fake `ip`."""
    source, root, config, bin_dir = (tmp_path / d for d in ("source", "root", "config", "bin"))
    for name, text in (("pxelinux.0", "new pxelinux"), ("ldlinux.c32", "new ldlinux"), ("911-vmlinuz", "kernel"), ("911-ramfs", "ramfs")):
        write(source / "tftpboot" / name, text)
    (source / "tftpboot" / "pxelinux.cfg").mkdir()
    (source / "tftpboot" / "pxelinux.cfg" / "default").symlink_to("../../conf/tftp-default")  # as the image ships it
    write(source / "images" / "ubuimage-16.04.tgz", "install image")
    write(source / "images" / "Install", "#!/bin/bash\n")
    # What the installer left: an old loader, its default link, an entry of a node that is no longer marked.
    write(root / "tftpboot" / "pxelinux.0", "old pxelinux")
    write(root / "conf" / "tftp-default", "installer default")
    write(root / "conf" / "leases", "lease")
    (root / "tftpboot" / "pxelinux.cfg").mkdir()
    (root / "tftpboot" / "pxelinux.cfg" / "default").symlink_to("../../conf/tftp-default")
    (root / "tftpboot" / "pxelinux.cfg" / "01-0c-c4-7a-ac-11-36").symlink_to("../../conf/tftp-911boot")
    write(root / "tftpboot" / "pxelinux.cfg" / "01-02-00-0a-03-00-31", "stale entry")
    data = files(outputs(reinstall=["cpu-01", "stor-02"]))
    for key, text in data.items():
        write(config / key, text)
    write(bin_dir / "ip", FAKE_IP)
    (bin_dir / "ip").chmod(0o755)
    deployment_env = env_of(container_named(find(outputs(reinstall=["cpu-01", "stor-02"]), "Deployment", "pxeboot"), "pxeboot-init"))
    env = {**os.environ, **deployment_env, "PXE_SOURCE": str(source), "PXE_ROOT": str(root), "PXE_CONFIG": str(config),
           "IP_LOG": str(tmp_path / "ip.log"), "FAKE_INTERFACE": "mgmt", "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return {"source": source, "root": root, "config": config, "bin": bin_dir, "env": env, "log": tmp_path / "ip.log", "data": data}


def run_init(world: dict, shell: str) -> subprocess.CompletedProcess:
    env = dict(world["env"])
    if shell == "busybox":
        tools = world["bin"].parent / "busybox-bin"
        tools.mkdir(exist_ok=True)
        for tool in BUSYBOX_TOOLS:
            if not (tools / tool).exists():
                (tools / tool).symlink_to(BUSYBOX)
        env["PATH"] = f"{world['bin']}:{tools}:{os.environ['PATH']}"
        command = [str(tools / "sh"), str(world["config"] / "pxeboot-init.sh")]
    else:
        command = ["bash", str(world["config"] / "pxeboot-init.sh")]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): ("-> " + os.readlink(p)) if p.is_symlink() else p.read_text()
            for p in sorted(root.rglob("*")) if p.is_symlink() or p.is_file()}


@pytest.mark.parametrize("shell", ["bash", pytest.param("busybox", marks=pytest.mark.skipif(BUSYBOX is None, reason="no busybox"))])
def test_init_fills_the_tftp_root_writes_the_entries_and_puts_the_gateway_on_mgmt(init_world, shell):
    for attempt in (1, 2):  # every pod start runs it again
        result = run_init(init_world, shell)
        assert result.returncode == 0, result.stderr
    root, data = init_world["root"], init_world["data"]
    assert tree(root) == {
        "conf/leases": "lease",
        "conf/tftp-default": "installer default",
        "images/Install": "#!/bin/bash\n",
        "images/pubkey": data["pubkey"],
        "images/ubuimage-16.04.tgz": "install image",
        "tftpboot/911-ramfs": "ramfs",
        "tftpboot/911-vmlinuz": "kernel",
        "tftpboot/ldlinux.c32": "new ldlinux",
        "tftpboot/pxelinux.0": "new pxelinux",  # the new image's binaries win
        "tftpboot/pxelinux.cfg/01-02-00-0a-03-00-21": data["pxelinux-911"],
        "tftpboot/pxelinux.cfg/01-02-00-0a-03-00-32": data["pxelinux-911"],
        "tftpboot/pxelinux.cfg/default": data["pxelinux-default"],  # ours, a file: not written through the old link
    }
    for path in (root / "tftpboot").rglob("*"):
        assert path.stat().st_mode & 0o004, f"{path} is not world-readable (dnsmasq as root serves only those)"
    assert init_world["log"].read_text().splitlines() == ["link show dev mgmt", "addr replace 10.199.0.1/22 dev mgmt"] * 2
    assert "01-02-00-0a-03-00-31 removed" in result.stdout or attempt == 2


def test_init_removes_every_entry_once_nothing_is_marked(init_world):
    init_world["env"]["PXE_REINSTALL"] = ""
    result = run_init(init_world, "bash")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (init_world["root"] / "tftpboot" / "pxelinux.cfg").iterdir()) == ["default"]
    assert result.stdout.count("is no longer marked for reinstall") == 2


def test_init_fails_clearly_without_the_interface_or_the_image_content(init_world):
    init_world["env"]["FAKE_INTERFACE"] = "eth9"
    result = run_init(init_world, "bash")
    assert result.returncode != 0 and "this node has no interface mgmt" in result.stderr
    assert "addr replace" not in init_world["log"].read_text()
    shutil.rmtree(init_world["source"] / "images")
    result = run_init(init_world, "bash")
    assert result.returncode != 0 and "has no" in result.stderr and "/images" in result.stderr


# ---------------------------------------------------------------- the real dnsmasq

def dnsmasq_test(tmp_path: Path, config: str) -> subprocess.CompletedProcess:
    path = tmp_path / "dnsmasq.conf"
    path.write_text(config)
    return subprocess.run([DNSMASQ, "--test", f"--conf-file={path}"], capture_output=True, text=True)


VARIANTS = {
    "split": {},
    "no-ipmi-network": {"networks": {"ipmi": None}},
    "extra-reservations": {"pxe": pxe(reservations=EXTRA + [{"mac": "52:54:00:a1:00:41", "ip": "10.199.4.200", "hostname": "pdu-1"}])},
    "reinstall-marks": {"pxe": pxe(reinstall=["cpu-01", "cpu-02", "stor-01"])},
    "dynamic-range-next-server": {"pxe": pxe(dhcp_range_start="10.199.1.100", dhcp_range_end="10.199.1.200", next_server="10.199.0.11",
                                             lease_time="infinite", dns_servers=[])},
    "ipmi-address": {"pxe": pxe(ipmi_address="10.199.4.254")},
    "management-16": {"networks": {"management": {"cidr": "10.210.0.0/16", "gateway": "10.210.0.1"}, "ipmi": {"cidr": "10.211.0.0/20"}},
                      "nodes": [{**n, "addresses": {"management": f"10.210.1.{n['ip_lsb']}"}} for n in example_data()["nodes"]]},
}


@pytest.mark.skipif(DNSMASQ is None, reason="dnsmasq (Debian package dnsmasq-base) is installed by `make test`")
@pytest.mark.parametrize("variant", VARIANTS)
def test_real_dnsmasq_accepts_every_rendered_config(tmp_path, variant):
    data = merge(example_data(), VARIANTS[variant])
    config = files(synth(parse_environment(data, "test.yaml")))["dnsmasq.conf"]
    result = dnsmasq_test(tmp_path, config)
    assert result.returncode == 0, result.stderr
    assert "syntax check OK" in result.stderr
    if variant == "management-16":
        assert "dhcp-host=02:00:0a:03:00:21,10.210.1.21,cpu-01,infinite" in config.splitlines()
        assert "dhcp-range=set:ipmi,10.211.0.0,static,255.255.240.0,12h" in config.splitlines()


@pytest.mark.skipif(DNSMASQ is None, reason="dnsmasq is installed by `make test`")
def test_real_dnsmasq_rejects_a_broken_config(tmp_path):
    assert dnsmasq_test(tmp_path, "dhcp-range=not-an-address\n").returncode != 0


# ---------------------------------------------------------------- clear errors

@pytest.mark.parametrize("fields, expected", [
    ({"dhcp_range_start": "10.199.1.100"}, "pxe.dhcp_range_end: give both dhcp_range_start and dhcp_range_end, or neither (static range)"),
    ({"dhcp_range_start": "10.200.0.1", "dhcp_range_end": "10.200.0.9"},
     "pxe.dhcp_range_start: '10.200.0.1' is not a host address inside networks.management.cidr 10.199.0.0/22"),
    ({"dhcp_range_start": "10.199.0.5", "dhcp_range_end": "10.199.0.50"}, "pxe.dhcp_range_start: the range 10.199.0.5-10.199.0.50 contains ctrl-01's management IP"),
    ({"dhcp_range_start": "10.199.0.1", "dhcp_range_end": "10.199.0.2"}, "pxe.dhcp_range_start: the range 10.199.0.1-10.199.0.2 contains networks.management.gateway"),
    ({"dhcp_range_start": "10.199.1.200", "dhcp_range_end": "10.199.1.100"}, "pxe.dhcp_range_end: '10.199.1.100' comes before"),
    ({"next_server": "10.200.0.1"}, "pxe.next_server: '10.200.0.1' is not inside networks.management.cidr 10.199.0.0/22"),
    ({"gateway": "10.199.0.1"}, "pxe.gateway: unknown key"),
    ({"reinstall": ["cpu-09"]}, "pxe.reinstall[0]: 'cpu-09' is not a node of this G8 (nodes[].name)"),
    ({"reinstall": ["cpu-01", "ctrl-02"]}, "pxe.reinstall[1]: 'ctrl-02' is a controller; only cpu and storage nodes are reinstalled over PXE"),
    ({"reinstall": ["cpu-01", "cpu-01"]}, "pxe.reinstall[1]: 'cpu-01' is already listed as pxe.reinstall[0]"),
    ({"reservations": [{"mac": "02:00:0A:03:00:21", "ip": "10.199.0.40", "hostname": "a"}]},
     "pxe.reservations[0].mac: '02:00:0a:03:00:21' is the management_mac of node cpu-01; the nodes' reservations come from nodes[]"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.4.31", "hostname": "a"}]},
     "pxe.reservations[0].ip: '10.199.4.31' is the ipmi address of node stor-01"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.12", "hostname": "a"}]},
     "pxe.reservations[0].ip: '10.199.0.12' is the management address of node ctrl-02"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.40", "hostname": "ipmi-ctrl-03"}]},
     "pxe.reservations[0].hostname: 'ipmi-ctrl-03' is the IPMI name of node ctrl-03"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.40", "hostname": "stor-02"}]}, "pxe.reservations[0].hostname: 'stor-02' is node stor-02"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.8.40", "hostname": "a"}]},
     "pxe.reservations[0].ip: '10.199.8.40' is not inside networks.management.cidr 10.199.0.0/22 or networks.ipmi.cidr 10.199.4.0/24"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.1", "hostname": "a"}]}, "pxe.reservations[0].ip: '10.199.0.1' is networks.management.gateway"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.40", "hostname": "a"},
                       {"mac": "52:54:00:A1:00:21", "ip": "10.199.0.41", "hostname": "b"}]}, "pxe.reservations[1].mac: '52:54:00:a1:00:21' is already reserved"),
    ({"reservations": [{"mac": "52-54", "ip": "10.199.0.40", "hostname": "a"}]}, "pxe.reservations[0].mac: '52-54' is not a MAC address"),
    ({"interface": "mgmt; rm -rf"}, "pxe.interface: 'mgmt; rm -rf' is not a network interface name"),
])
def test_inconsistent_settings_are_clear_errors(fields, expected):
    with pytest.raises(InvalidEnvironment) as raised:
        environment(pxe=pxe(**fields))
    assert any(line.startswith(f"test.yaml: {expected}") for line in raised.value.lines), raised.value.lines


@pytest.mark.parametrize("overrides, expected", [
    ({"networks": {"management": {"gateway": "10.199.0.13"}}},
     "networks.management.gateway: '10.199.0.13' is the management address of node ctrl-03; PxeBoot adds the gateway to mgmt"),
    ({"networks": {"management": {"gateway": "10.200.0.1"}}}, "networks.management.gateway: '10.200.0.1' is not a host address"),
    ({"nodes": [*example_data()["nodes"], {"name": "ipmi-cpu-01", "roles": ["cpu"], "ip_lsb": 41}]},
     "nodes[3].name: PxeBoot names the IPMI interface of cpu-01 ipmi-cpu-01, which is already a node's name"),
    ({"nodes": [{k: v for k, v in n.items() if k != "management_mac"} for n in example_data()["nodes"]], "pxe": pxe(reinstall=["cpu-02"])},
     "pxe.reinstall[0]: node 'cpu-02' has no management_mac, which names its boot entry"),
])
def test_environment_problems_of_pxe(overrides, expected):
    with pytest.raises(InvalidEnvironment) as raised:
        parse_environment(merge(example_data(), overrides), "test.yaml")
    assert any(line.startswith(f"test.yaml: {expected}") for line in raised.value.lines), raised.value.lines


def test_a_converged_g8_has_no_pxe():
    data = merge(yaml.safe_load(CONVERGED.read_text()), {"pxe": {"interface": "mgmt"}})
    with pytest.raises(InvalidEnvironment) as raised:
        parse_environment(data, "conv.yaml")
    assert raised.value.lines == ["conv.yaml: pxe: a converged G8 (a controller that is also a cpu or storage node) has no PXE boot, "
                                  "as with the installer: remove the pxe section"]


# ---------------------------------------------------------------- without an environment file

def standalone(**props) -> list[dict]:
    hosts = [PxeHost("cpu-01", "52:54:00:A1:00:21", "10.199.0.21"), PxeHost("ipmi-cpu-01", None, "10.199.4.21")]
    return synth_construct(lambda chart: PxeBoot(chart, "pxeboot", site=site(), settings=PxeSettings(
        reservations=[Reservation(mac="52:54:00:a1:00:40", ip="10.199.0.40", hostname="switch-console")]),
        **{"domain": "lab", "gateway": "10.199.0.1", "hosts": hosts, "ipmi_cidr": "10.199.4.0/24", **props}))


def test_typed_props_without_an_environment_file(tmp_path):
    out = standalone(reinstall=["52:54:00:a1:00:21"], ssh_public_key="ssh-ed25519 AAAA lab")
    data = files(out)
    lines = data["dnsmasq.conf"].splitlines()
    assert "dhcp-host=52:54:00:a1:00:21,10.199.0.21,cpu-01,infinite" in lines
    assert "host-record=ipmi-cpu-01.lab,ipmi-cpu-01,10.199.4.21" in lines and not [line for line in lines if ",ipmi-cpu-01,infinite" in line]
    assert "dhcp-host=52:54:00:a1:00:40,10.199.0.40,switch-console,infinite" in lines
    assert data["pubkey"] == "ssh-ed25519 AAAA lab\n"
    assert env_of(container_named(find(out, "Deployment", "pxeboot"), "pxeboot-init"))["PXE_REINSTALL"] == "01-52-54-00-a1-00-21"
    if DNSMASQ:
        assert dnsmasq_test(tmp_path, data["dnsmasq.conf"]).returncode == 0
    assert "pubkey" not in files(standalone())


@pytest.mark.parametrize("props, message", [
    ({"gateway": "10.200.0.1"}, "gateway 10.200.0.1 is not inside the management network 10.199.0.0/22"),
    ({"domain": "lab\nport=53"}, "domain 'lab\\nport=53' is not a DNS name"),
    ({"hosts": [PxeHost("Cpu 1", None, "10.199.0.21")]}, "host name 'Cpu 1' is not a DNS name"),
    ({"reinstall": ["52:54:00:a1:00:99"]}, "reinstall MACs ['52:54:00:a1:00:99'] are not the MAC of any host"),
    ({"reinstall": ["not-a-mac"]}, "'not-a-mac' is not a MAC address"),
    ({"hosts": [PxeHost("a", None, "10.50.0.1")]}, "host a (10.50.0.1) is not inside 10.199.0.0/22 or 10.199.4.0/24"),
    ({"hosts": [PxeHost("a", "52:54:00:a1:00:21", "10.199.0.21"), PxeHost("b", "52:54:00:A1:00:21", "10.199.0.22")]},
     "hosts a and b have the same MAC 52:54:00:a1:00:21"),
])
def test_typed_props_are_checked(props, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        standalone(**props)


def test_the_config_renders_alone():
    config = render_dnsmasq_config(PxeSettings(), domain="lab", gateway="10.0.0.1", management_cidr="10.0.0.0/24")
    assert "dhcp-range=set:management,10.0.0.0,static,255.255.255.0,12h" in config.splitlines()
    assert "set:ipmi" not in config and "dhcp-host" not in config
    assert config.startswith("# Generated by ovc_constructs (PxeBoot)")


# ---------------------------------------------------------------- a real PXE exchange in network namespaces

def network_namespaces() -> bool:
    """Root with `ip netns`, veth pairs and busybox's DHCP, DNS and TFTP clients (a developer machine or CI as root)."""
    if os.geteuid() != 0 or not (DNSMASQ and BUSYBOX and shutil.which("ip")):
        return False
    probe = f"ovc-probe-{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return True


@pytest.mark.skipif(not network_namespaces(), reason="needs root, ip netns, dnsmasq and busybox")
def test_a_node_gets_its_address_names_and_boot_entry_from_the_gateway_only(init_world, tmp_path):
    server, client = f"ovc-pxe-{os.getpid()}", f"ovc-node-{os.getpid()}"
    _, mac, ip, _, _ = NODES[3]  # cpu-01, marked for reinstall

    def run(*command: str, namespace: str = server, check: bool = True) -> str:
        result = subprocess.run(["ip", "netns", "exec", namespace, *command], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0 or not check, (command, result.stderr)
        return result.stdout + result.stderr

    dnsmasq = None
    try:
        for namespace in (server, client):
            subprocess.run(["ip", "netns", "add", namespace], check=True)
        subprocess.run(["ip", "link", "add", "mgmt", "netns", server, "type", "veth", "peer", "name", "eth0", "netns", client,
                        "address", mac], check=True)
        for namespace, device in ((server, "mgmt"), (client, "eth0")):
            run("ip", "link", "set", "lo", "up", namespace=namespace)
            run("ip", "link", "set", device, "up", namespace=namespace)
        run("ip", "addr", "add", "10.199.0.11/22", "dev", "mgmt")  # ctrl-01's own address
        env = {**init_world["env"], "PATH": os.environ["PATH"]}  # the real `ip`
        init = subprocess.run(["ip", "netns", "exec", server, "bash", str(init_world["config"] / "pxeboot-init.sh")],
                              env=env, capture_output=True, text=True, timeout=30)
        assert init.returncode == 0, init.stderr
        assert "inet 10.199.0.1/22" in run("ip", "-4", "addr", "show", "dev", "mgmt")
        root = init_world["root"]
        config = init_world["data"]["dnsmasq.conf"].replace("/var/lib/ovc-pxe", str(root / "conf")).replace("/srv/tftp", str(root / "tftpboot"))
        (tmp_path / "dnsmasq.conf").write_text(config)
        dnsmasq = subprocess.Popen(["ip", "netns", "exec", server, DNSMASQ, *DNSMASQ_FLAGS, f"--conf-file={tmp_path / 'dnsmasq.conf'}"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lease = run(BUSYBOX, "udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-s", "/bin/true", namespace=client)
        assert f"lease of {ip} obtained from {GATEWAY}" in lease, lease
        run("ip", "addr", "add", f"{ip}/22", "dev", "eth0", namespace=client)
        for query, answer in (("stor-02.be-g8-3", "10.199.0.32"), ("ipmi-cpu-02.be-g8-3", "10.199.4.22"), ("ctrl-03", "10.199.0.13")):
            assert f"Address: {answer}" in run(BUSYBOX, "nslookup", "-type=a", query, GATEWAY, namespace=client), query
        got = tmp_path / "entry"
        run(BUSYBOX, "tftp", "-g", "-r", f"pxelinux.cfg/{boot_entry(mac)}", "-l", str(got), GATEWAY, namespace=client)
        assert got.read_text() == init_world["data"]["pxelinux-911"]
        listening = run("ss", "-lnu")
        assert f"{GATEWAY}:53" in listening and f"{GATEWAY}:69" in listening
        assert "10.199.0.11:53" not in listening and "127.0.0.1:53" not in listening, listening
        # The preStop hook of the manifest takes the gateway away again.
        pre_stop = container_named(find(outputs(), "Deployment", "pxeboot"), "dnsmasq")["lifecycle"]["preStop"]["exec"]["command"]
        dnsmasq.terminate()
        dnsmasq.wait(timeout=10)
        run(*pre_stop)
        assert "10.199.0.1/" not in run("ip", "-4", "addr", "show", "dev", "mgmt")
    finally:
        if dnsmasq and dnsmasq.poll() is None:
            dnsmasq.kill()
            dnsmasq.wait()
        for namespace in (server, client):
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
