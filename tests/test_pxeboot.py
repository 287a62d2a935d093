"""PxeBoot: one instance on the management network, least privilege, dnsmasq config checked by the real dnsmasq."""
import shutil
import subprocess

import pytest

from ovc_constructs import InvalidEnvironment
from ovc_constructs.pxeboot import render_dnsmasq_config

from .conftest import container_named, environment, example_data, find, pod_spec, synth

DNSMASQ = shutil.which("dnsmasq") or shutil.which("dnsmasq", path="/usr/sbin")
PXE = example_data()["pxe"]


def test_snapshot(example_manifests, yaml_snapshot):
    assert [d for d in example_manifests if d["metadata"]["name"].startswith("pxeboot")] == yaml_snapshot


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
    assert [c["name"] for c in spec["containers"]] == ["dnsmasq", "images", "apt-repository"]


def test_least_privilege_capabilities(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    dnsmasq = container_named(deployment, "dnsmasq")["securityContext"]
    assert dnsmasq["capabilities"] == {"drop": ["ALL"], "add": ["NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW"]}
    assert dnsmasq["privileged"] is False and dnsmasq["allowPrivilegeEscalation"] is False
    for name in ("images", "apt-repository"):
        context = container_named(deployment, name)["securityContext"]
        assert context["capabilities"] == {"drop": ["ALL"]} and context["runAsNonRoot"] is True


def test_privileged_only_when_asked():
    out = synth(environment(pxe={**PXE, "privileged": True}))
    assert container_named(find(out, "Deployment", "pxeboot"), "dnsmasq")["securityContext"]["privileged"] is True


def test_probes_and_host_paths(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    for container in pod_spec(deployment)["containers"]:
        assert "livenessProbe" in container and "readinessProbe" in container
    volumes = {v["name"]: v["hostPath"]["path"] for v in pod_spec(deployment)["volumes"] if "hostPath" in v}
    assert volumes == {"tftp": "/var/ovc/pxeboot/tftp", "leases": "/var/ovc/pxeboot/leases",
                       "images": "/var/ovc/pxeboot/images", "apt": "/var/ovc/pxeboot/apt"}
    assert '-p "$(cat /run/pxe/address):8080"' in container_named(deployment, "images")["command"][-1]


def test_rendered_dnsmasq_config(example_manifests):
    config = find(example_manifests, "ConfigMap", "pxeboot")["data"]["dnsmasq.conf"]
    lines = config.splitlines()
    for expected in ("interface=mgmt", "bind-interfaces", "enable-tftp", "tftp-root=/srv/tftp", "port=0",
                     # No dhcp_range_start/end (as imported): a static range, only the reserved nodes get an address.
                     "dhcp-range=10.199.0.0,static,255.255.252.0,12h",
                     "dhcp-option=option:router,10.199.0.1",
                     "dhcp-host=02:00:0a:03:00:21,10.199.0.21,cpu-01,infinite",
                     "dhcp-host=02:00:0a:03:00:32,10.199.0.32,stor-02,infinite",
                     "dhcp-boot=tag:!efi-x86_64,pxelinux.0", "dhcp-boot=tag:efi-x86_64,bootx64.efi"):
        assert expected in lines, expected
    assert len([line for line in lines if line.startswith("dhcp-range=")]) == 1


def test_a_given_dhcp_range_is_a_dynamic_range():
    env = environment(pxe={**PXE, "dhcp_range_start": "10.199.1.100", "dhcp_range_end": "10.199.1.200"})
    lines = render_dnsmasq_config(env.pxe, env.networks.management.cidr).splitlines()
    assert [line for line in lines if line.startswith("dhcp-range=")] == ["dhcp-range=10.199.1.100,10.199.1.200,255.255.252.0,12h"]


def test_next_server_when_given():
    env = environment(pxe={**PXE, "next_server": "10.199.0.10"})
    assert "dhcp-boot=tag:efi-x86_64,bootx64.efi,,10.199.0.10" in render_dnsmasq_config(env.pxe, env.networks.management.cidr).splitlines()


def test_the_pxe_images_come_from_the_release(example_manifests):
    deployment = find(example_manifests, "Deployment", "pxeboot")
    assert container_named(deployment, "dnsmasq")["image"] == "openvcloud/pxeboot:2.4.0"
    assert container_named(deployment, "images")["image"] == "openvcloud/pxeboot-httpd:2.4.0"


def test_no_pxe_section_means_no_pxeboot():
    data = {k: v for k, v in example_data().items() if k != "pxe"}
    from .conftest import merge
    from ovc_constructs import parse_environment

    out = synth(parse_environment(merge(data, {}), "x.yaml"))
    assert not [d for d in out if d["metadata"]["name"].startswith("pxeboot")]


@pytest.mark.parametrize("pxe, expected", [
    ({"dhcp_range_start": "10.199.1.100"}, "pxe.dhcp_range_end: give both dhcp_range_start and dhcp_range_end, or neither (static range)"),
    ({"dhcp_range_start": "10.200.0.1", "dhcp_range_end": "10.200.0.9"},
     "pxe.dhcp_range_start: '10.200.0.1' is not a host address inside networks.management.cidr 10.199.0.0/22"),
    ({"dhcp_range_start": "10.199.0.5", "dhcp_range_end": "10.199.0.50"}, "pxe.dhcp_range_start: the range 10.199.0.5-10.199.0.50 contains ctrl-01's management IP"),
    ({"dhcp_range_start": "10.199.1.200", "dhcp_range_end": "10.199.1.100"}, "pxe.dhcp_range_end: '10.199.1.100' comes before"),
    ({"gateway": "10.200.0.1"}, "pxe.gateway: '10.200.0.1' is not inside networks.management.cidr 10.199.0.0/22"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.21", "hostname": "a"},
                       {"mac": "52:54:00:A1:00:21", "ip": "10.199.0.22", "hostname": "b"}]}, "pxe.reservations[1].mac: '52:54:00:a1:00:21' is already reserved"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.21", "hostname": "a"},
                       {"mac": "52:54:00:a1:00:22", "ip": "10.199.0.21", "hostname": "b"}]}, "pxe.reservations[1].ip: '10.199.0.21' is already reserved"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.12", "hostname": "a"}]}, "pxe.reservations[0].ip: '10.199.0.12' is the management IP of controller ctrl-02"),
    ({"reservations": [{"mac": "52:54:00:a1:00:21", "ip": "10.199.0.40", "hostname": "ctrl-03"}]},
     "pxe.reservations[0].hostname: 'ctrl-03' is a controller's name; controllers are not PXE booted"),
    ({"reservations": [{"mac": "52-54", "ip": "10.199.0.40", "hostname": "a"}]}, "pxe.reservations[0].mac: '52-54' is not a MAC address"),
    ({"interface": "mgmt; rm -rf"}, "pxe.interface: 'mgmt; rm -rf' is not a network interface name"),
])
def test_inconsistent_settings_are_clear_errors(pxe, expected):
    with pytest.raises(InvalidEnvironment) as raised:
        environment(pxe={**PXE, **pxe})
    assert any(line.startswith(f"test.yaml: {expected}") for line in raised.value.lines), raised.value.lines


@pytest.mark.skipif(DNSMASQ is None, reason="dnsmasq (Debian package dnsmasq-base) is installed by `make test`")
@pytest.mark.parametrize("overrides", [{}, {"reservations": [], "gateway": None},
                                       {"dhcp_range_start": "10.199.1.100", "dhcp_range_end": "10.199.1.200"},
                                       {"next_server": "10.199.0.10", "lease_time": "infinite"}],
                         ids=["static-range-with-reservations", "no-reservations", "dynamic-range", "next-server"])
def test_real_dnsmasq_accepts_the_generated_config(tmp_path, overrides):
    env = environment(pxe={k: v for k, v in {**PXE, **overrides}.items() if v is not None})
    path = tmp_path / "dnsmasq.conf"
    path.write_text(render_dnsmasq_config(env.pxe, env.networks.management.cidr))
    result = subprocess.run([DNSMASQ, "--test", f"--conf-file={path}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax check OK" in result.stderr


@pytest.mark.skipif(DNSMASQ is None, reason="dnsmasq is installed by `make test`")
def test_real_dnsmasq_rejects_a_broken_config(tmp_path):
    path = tmp_path / "dnsmasq.conf"
    path.write_text("dhcp-range=not-an-address\n")
    assert subprocess.run([DNSMASQ, "--test", f"--conf-file={path}"], capture_output=True, text=True).returncode != 0
