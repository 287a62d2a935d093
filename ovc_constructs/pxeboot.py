"""PxeBoot: DHCP + TFTP, OS-image HTTP server and apt repository for (re)installing the G8's nodes.

One pod, three containers (decision and reasons in docs/pxeboot.md), host network on the management
network, exactly one instance.
"""
from __future__ import annotations

import hashlib
import ipaddress

from cdk8s_plus_27 import k8s
from constructs import Construct

from .component import Component
from .environment import PxeSettings
from .files import template
from .pods import NGINX_UID, config_map_volume, container, empty_dir, exec_probe, host_path, http_probe, mount, security_context

TFTP_ROOT = "/srv/tftp"
LEASES_DIR = "/var/lib/ovc-pxe"
RUN_DIR = "/run/pxe"
DHCP_CAPABILITIES = ("NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW")
APT_HEALTH_PORT = 8082
HOST_NETWORK_REASON = "DHCP and TFTP answer broadcasts on the management network, so the pod uses the host network"
DHCP_REASON = "dnsmasq must bind DHCP/TFTP ports and send raw DHCP replies: root with only NET_ADMIN, NET_BIND_SERVICE and NET_RAW"
FIND_ADDRESS = f"""set -eu
address=$(ip -4 -o addr show dev "$PXE_INTERFACE" | awk '{{split($4, a, "/"); print a[1]; exit}}')
test -n "$address" || {{ echo "no IPv4 address on interface $PXE_INTERFACE of this node"; exit 1; }}
echo "$address" > {RUN_DIR}/address
sed "s/__ADDRESS__/$address/" /templates/apt-nginx.conf > {RUN_DIR}/apt-nginx.conf
echo "serving on $address"
"""


def render_dnsmasq_config(settings: PxeSettings, management_cidr: str) -> str:
    """dnsmasq.conf for the management network, from the environment."""
    network = ipaddress.IPv4Network(management_cidr)
    if settings.dhcp_range_start and settings.dhcp_range_end:
        dhcp_range = f"{settings.dhcp_range_start},{settings.dhcp_range_end},{network.netmask},{settings.lease_time}"
    else:  # only the reserved nodes get an address, like the historical installer's `static` range
        dhcp_range = f"{network.network_address},static,{network.netmask},{settings.lease_time}"
    next_server = f",,{settings.next_server}" if settings.next_server else ""
    reservations = "".join(f"dhcp-host={r.mac},{r.ip},{r.hostname},infinite\n" for r in settings.reservations)
    return template("dnsmasq.conf").substitute(
        interface=settings.interface,
        lease_file=f"{LEASES_DIR}/dnsmasq.leases",
        dhcp_range=dhcp_range,
        gateway=f"dhcp-option=option:router,{settings.gateway}\n" if settings.gateway else "",
        reservations=reservations,
        tftp_root=TFTP_ROOT,
        bios_boot_file=settings.bios_boot_file,
        uefi_boot_file=settings.uefi_boot_file,
        next_server=next_server,
    )


def render_static_nginx_config(listen: str, root: str, health_listen: str, *, autoindex: bool) -> str:
    """A read-only static file server (apt repository, version manifest)."""
    return template("nginx-static.conf").substitute(
        listen=listen, root=root, health_listen=health_listen, autoindex="on" if autoindex else "off"
    )


class PxeBoot(Component):
    """DHCP/TFTP (dnsmasq), the OS image server and the apt repository in one single-instance pod."""

    def __init__(self, scope: Construct, id: str, *, site, settings: PxeSettings) -> None:
        super().__init__(scope, id, site=site, name="pxeboot", role="provisioning", image=settings.dnsmasq_image)
        self.settings = settings
        self.dnsmasq_config = render_dnsmasq_config(settings, site.management_cidr)
        apt_config = render_static_nginx_config(
            f"__ADDRESS__:{settings.apt_port}", "/srv/apt", f"127.0.0.1:{APT_HEALTH_PORT}", autoindex=True
        )
        config = k8s.KubeConfigMap(self, "config", metadata=self.metadata(),
                                   data={"dnsmasq.conf": self.dnsmasq_config, "apt-nginx.conf": apt_config})
        root = settings.host_path
        find_address = container(
            "find-address",
            site.helper_image,
            command=["sh", "-c", FIND_ADDRESS],
            env={"PXE_INTERFACE": settings.interface},
            mounts=[mount("templates", "/templates", read_only=True), mount("run", RUN_DIR)],
            resources=settings.http_resources,
            security=security_context(),
        )
        dnsmasq_security = (
            security_context(user=0, privileged=True) if settings.privileged
            else security_context(user=0, add_capabilities=DHCP_CAPABILITIES)
        )
        alive = exec_probe(["sh", "-c", "kill -0 1"], initial_delay=10, period=20)
        dnsmasq = container(
            "dnsmasq",
            settings.dnsmasq_image,
            command=["dnsmasq", "--keep-in-foreground", "--log-facility=-", "--user=root", "--conf-file=/etc/ovc/dnsmasq.conf"],
            udp_ports={"dhcp": 67, "tftp": 69},
            mounts=[mount("templates", "/etc/ovc", read_only=True), mount("tftp", TFTP_ROOT, read_only=True),
                    mount("leases", LEASES_DIR)],
            resources=settings.dnsmasq_resources,
            security=dnsmasq_security,
            liveness=alive,
            readiness=alive,
        )
        port_open = exec_probe(["sh", "-c", f'nc -w 2 "$(cat {RUN_DIR}/address)" {settings.http_port} </dev/null'], initial_delay=5)
        images = container(
            "images",
            settings.http_image,
            command=["sh", "-c", f'exec httpd -f -v -p "$(cat {RUN_DIR}/address):{settings.http_port}" -h /srv/images'],
            ports={"images": settings.http_port},
            mounts=[mount("run", RUN_DIR, read_only=True), mount("images", "/srv/images", read_only=True)],
            resources=settings.http_resources,
            security=security_context(),
            liveness=port_open,
            readiness=port_open,
        )
        # The node's loopback is the pod's loopback on the host network: the kubelet probes it there.
        apt_health = http_probe("/healthz", APT_HEALTH_PORT, host="127.0.0.1", initial_delay=5)
        apt = container(
            "apt-repository",
            settings.apt_image,
            command=["nginx", "-c", f"{RUN_DIR}/apt-nginx.conf", "-g", "daemon off;"],
            ports={"apt": settings.apt_port},
            mounts=[mount("run", RUN_DIR, read_only=True), mount("apt", "/srv/apt", read_only=True),
                    mount("nginx-tmp", "/tmp"), mount("nginx-cache", "/var/cache/nginx")],
            resources=settings.http_resources,
            security=security_context(user=NGINX_UID),
            liveness=apt_health,
            readiness=apt_health,
        )
        template = self.pod_template(
            containers=[dnsmasq, images, apt],
            init_containers=[find_address],
            volumes=[
                config_map_volume("templates", config.name),
                empty_dir("run", "1Mi"),
                host_path("tftp", f"{root}/tftp"),
                host_path("leases", f"{root}/leases"),
                host_path("images", f"{root}/images"),
                host_path("apt", f"{root}/apt"),
                empty_dir("nginx-tmp"),
                empty_dir("nginx-cache"),
            ],
            # Any controller carrying `<node_label>=true`; never one fixed node.
            affinity=self.controller_affinity(
                k8s.NodeSelectorRequirement(key=settings.node_label, operator="In", values=["true"])
            ),
            host_network=True,
            annotations={"checksum/config": hashlib.sha256((self.dnsmasq_config + apt_config).encode()).hexdigest()},
        )
        self.deployment(template)
        self.skip_check("CKV_K8S_19", HOST_NETWORK_REASON)
        for check in ("CKV_K8S_23", "CKV_K8S_40", "CKV_K8S_25"):
            self.skip_check(check, DHCP_REASON)
        if settings.privileged:
            for check in ("CKV_K8S_16", "CKV_K8S_20"):
                self.skip_check(check, "the environment asks for a privileged dnsmasq (pxe.privileged)")
