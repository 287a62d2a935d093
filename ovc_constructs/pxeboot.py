"""PxeBoot: DHCP, DNS and TFTP, OS-image HTTP server and apt repository for (re)installing the G8's nodes.

One pod, three containers and the init container pxeboot-init (decision and reasons in docs/pxeboot.md),
host network, on the management gateway address that pxeboot-init puts on the management interface,
exactly one instance. Contract §3.11 and §10.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

from constructs import Construct

from .component import Component
from .environment import PxeSettings
from .files import script, template
from .pods import NGINX_UID, config_map_volume, container, empty_dir, exec_probe, host_path, http_probe, mount, security_context, tcp_probe

if TYPE_CHECKING:
    from .environment import Environment
    from .site import Site

TFTP_ROOT = "/srv/tftp"
LEASES_DIR = "/var/lib/ovc-pxe"
CONFIG_DIR = "/etc/ovc"
INIT_ROOT = "/opt/pxeboot"
"""Where pxeboot-init sees the host directory (as the installer's pxeboot-init did)."""
IMAGE_SOURCE = "/source"
"""The pxeboot-init image's boot files (`tftpboot/`) and install images (`images/`)."""
DHCP_CAPABILITIES = ("NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW")
INIT_CAPABILITIES = ("NET_ADMIN",)
APT_HEALTH_PORT = 8082
DNSMASQ_FLAGS = ("--keep-in-foreground", "--pid-file=", "--log-facility=-", "--user=root")
"""In the foreground, logging to stderr, as root (it serves root-owned files), and with no pid file: the root
filesystem is read-only and dnsmasq would otherwise exit on /var/run/dnsmasq.pid."""
DNS_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*")
HOST_NETWORK_REASON = "DHCP and TFTP answer broadcasts on the management network, so the pod uses the host network"
ROOT_REASON = ("dnsmasq binds the DHCP, DNS and TFTP ports and sends raw DHCP replies (root with only NET_ADMIN, "
               "NET_BIND_SERVICE and NET_RAW); pxeboot-init puts the gateway address on the management interface "
               "(root with only NET_ADMIN)")


@dataclass(frozen=True)
class PxeHost:
    """A machine on the management or IPMI network: `name` resolves to `ip` in the G8's domain and, with a
    `mac`, DHCP always gives that MAC `ip` (and the host name `name`)."""

    name: str
    mac: Optional[str]
    ip: str


def boot_entry(mac: str) -> str:
    """pxelinux's per-MAC configuration name: `01-` and the MAC, lowercase and dash-separated."""
    if not re.fullmatch(r"[0-9a-f]{2}([:-][0-9a-f]{2}){5}", mac.lower()):
        raise ValueError(f"{mac!r} is not a MAC address such as 52:54:00:12:34:56")
    return "01-" + mac.lower().replace(":", "-")


def render_pxelinux_config(gateway: str, http_port: int, *, rescue: bool) -> str:
    """pxelinux.cfg/default (boot the local disk) or a per-MAC entry (boot the 911 rescue system)."""
    purpose = ("This node is marked for reinstall (pxe.reinstall): it boots the 911 rescue system." if rescue
               else "Boot the local disk; type 911 at the prompt for the rescue system.")
    return template("pxelinux.cfg").substitute(
        purpose=purpose, default="911" if rescue else "local", rescue_url=f"http://{gateway}:{http_port}"
    )


def render_dnsmasq_config(settings: PxeSettings, *, domain: str, gateway: str, management_cidr: str,
                          ipmi_cidr: Optional[str] = None, hosts: Sequence[PxeHost] = (), ipmi_address: Optional[str] = None) -> str:
    """dnsmasq.conf: static (or `dhcp_range_*`) DHCP on the management and IPMI networks, names for `hosts`."""
    ranges = []
    for tag, cidr in (("management", management_cidr), ("ipmi", ipmi_cidr)):
        if cidr is None:
            continue
        network = ipaddress.IPv4Network(cidr)
        if tag == "management" and settings.dhcp_range_start and settings.dhcp_range_end:
            first = f"{settings.dhcp_range_start},{settings.dhcp_range_end}"
        else:  # only the reserved hosts get an address, like the historical installer's `static` ranges
            first = f"{network.network_address},static"
        ranges.append(f"dhcp-range=set:{tag},{first},{network.netmask},{settings.lease_time}\n")
    lines = []
    for host in hosts:
        if host.mac:
            lines.append(f"dhcp-host={host.mac.lower()},{host.ip},{host.name},infinite\n")
        lines.append(f"host-record={host.name}.{domain},{host.name},{host.ip}\n")
    return template("dnsmasq.conf").substitute(
        interface=settings.interface,
        gateway=gateway,
        listen="".join(f"listen-address={address}\n" for address in (gateway, ipmi_address) if address),
        lease_file=f"{LEASES_DIR}/leases",
        domain=domain,
        servers="".join(f"server={server}\n" for server in settings.dns_servers),
        ranges="".join(ranges),
        hosts="".join(lines),
        tftp_root=TFTP_ROOT,
        bios_boot_file=settings.bios_boot_file,
        uefi_boot_file=settings.uefi_boot_file,
        next_server=settings.next_server or gateway,
    )


def render_static_nginx_config(listen: str, root: str, health_listen: str, *, autoindex: bool) -> str:
    """A read-only static file server (apt repository, version manifest)."""
    return template("nginx-static.conf").substitute(
        listen=listen, root=root, health_listen=health_listen, autoindex="on" if autoindex else "off"
    )


class PxeBoot(Component):
    """DHCP/DNS/TFTP (dnsmasq), the OS image server and the apt repository in one single-instance pod.

    `hosts` are reserved and named (plus `settings.reservations`), `reinstall` lists the management MACs that
    boot the 911 rescue system instead of their disk, `ssh_public_key` becomes `images/pubkey` for 911's Install.
    """

    default_name = "pxeboot"
    role = "provisioning"

    def __init__(self, scope: Construct, id: str, *, site: "Site", settings: PxeSettings, domain: str, gateway: str,
                 hosts: Sequence[PxeHost] = (), ipmi_cidr: Optional[str] = None, reinstall: Sequence[str] = (),
                 ssh_public_key: Optional[str] = None, ipmi_address: Optional[str] = None, name: Optional[str] = None) -> None:
        super().__init__(scope, id, site=site, name=name, image=settings.dnsmasq_image)
        self.settings = settings
        self.gateway = gateway
        self.hosts = (*hosts, *(PxeHost(r.hostname, r.mac, r.ip) for r in settings.reservations))
        self.reinstall = tuple(boot_entry(mac) for mac in reinstall)
        self._check(domain, site.management_cidr, ipmi_cidr, reinstall)
        if ipmi_address and not (ipmi_cidr and ipaddress.IPv4Address(ipmi_address) in ipaddress.IPv4Network(ipmi_cidr)):
            raise ValueError(f"PxeBoot ipmi_address {ipmi_address} is not inside the IPMI network {ipmi_cidr}")
        prefix = ipaddress.IPv4Network(site.management_cidr).prefixlen
        gateway_cidr = f"{gateway}/{prefix}"
        # The addresses this pod puts on the interface: the gateway, and an IPMI-side one for the BMCs' DHCP.
        addresses = [gateway_cidr] + ([f"{ipmi_address}/{ipaddress.IPv4Network(ipmi_cidr).prefixlen}"] if ipmi_address else [])
        self.dnsmasq_config = render_dnsmasq_config(settings, domain=domain, gateway=gateway, management_cidr=site.management_cidr,
                                                    ipmi_cidr=ipmi_cidr, hosts=self.hosts, ipmi_address=ipmi_address)
        self.files = {
            "dnsmasq.conf": self.dnsmasq_config,
            "apt-nginx.conf": render_static_nginx_config(
                f"{gateway}:{settings.apt_port}", "/srv/apt", f"127.0.0.1:{APT_HEALTH_PORT}", autoindex=True),
            "pxelinux-default": render_pxelinux_config(gateway, settings.http_port, rescue=False),
            "pxelinux-911": render_pxelinux_config(gateway, settings.http_port, rescue=True),
            "pxeboot-init.sh": script("pxeboot-init.sh"),
            **({"pubkey": ssh_public_key.strip() + "\n"} if ssh_public_key else {}),
        }
        self.config_map("config", self.files)
        root = settings.host_path
        init = container(
            "pxeboot-init",
            settings.init_image,
            command=["bash", f"{CONFIG_DIR}/pxeboot-init.sh"],
            env={"PXE_SOURCE": IMAGE_SOURCE, "PXE_ROOT": INIT_ROOT, "PXE_CONFIG": CONFIG_DIR, "PXE_INTERFACE": settings.interface,
                 "PXE_GATEWAY": gateway_cidr, "PXE_REINSTALL": " ".join(self.reinstall),
                 **({"PXE_IPMI_ADDRESS": addresses[1]} if ipmi_address else {})},
            # Only what it fills: never the leases (conf/) or the apt repository.
            mounts=[mount("config", CONFIG_DIR, read_only=True), mount("tftp", f"{INIT_ROOT}/tftpboot"),
                    mount("images", f"{INIT_ROOT}/images")],
            resources=settings.http_resources,
            security=security_context(user=0, add_capabilities=INIT_CAPABILITIES),
        )
        dnsmasq_security = (
            security_context(user=0, privileged=True) if settings.privileged
            else security_context(user=0, add_capabilities=DHCP_CAPABILITIES)
        )
        alive = exec_probe(["sh", "-c", "kill -0 1"], initial_delay=10, period=20)
        dnsmasq = container(
            "dnsmasq",
            settings.dnsmasq_image,
            command=["dnsmasq", *DNSMASQ_FLAGS, f"--conf-file={CONFIG_DIR}/dnsmasq.conf"],
            ports={"dns-tcp": 53},
            udp_ports={"dns": 53, "dhcp": 67, "tftp": 69},
            mounts=[mount("config", CONFIG_DIR, read_only=True), mount("tftp", TFTP_ROOT, read_only=True),
                    mount("leases", LEASES_DIR)],
            resources=settings.dnsmasq_resources,
            security=dnsmasq_security,
            liveness=alive,
            readiness=alive,
            # The gateway leaves this node with the pod (the installer's `destroy`); the next pod adds it where it runs.
            lifecycle={"preStop": {"exec": {"command": ["ip", "addr", "del", gateway_cidr, "dev", settings.interface] if not ipmi_address else
                                                ["sh", "-c", "; ".join(f"ip addr del {a} dev {settings.interface}" for a in addresses)]}}},
        )
        port_open = tcp_probe(settings.http_port, host=gateway, initial_delay=5)
        images = container(
            "images",
            settings.http_image,
            command=["httpd", "-f", "-v", "-p", f"{gateway}:{settings.http_port}", "-h", "/srv/images"],
            ports={"images": settings.http_port},
            mounts=[mount("images", "/srv/images", read_only=True)],
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
            command=["nginx", "-c", f"{CONFIG_DIR}/apt-nginx.conf", "-g", "daemon off;"],
            ports={"apt": settings.apt_port},
            mounts=[mount("config", CONFIG_DIR, read_only=True), mount("apt", "/srv/apt", read_only=True),
                    mount("nginx-tmp", "/tmp"), mount("nginx-cache", "/var/cache/nginx")],
            resources=settings.http_resources,
            security=security_context(user=NGINX_UID),
            liveness=apt_health,
            readiness=apt_health,
        )
        checksum = hashlib.sha256("".join(f"{k}\0{v}\0" for k, v in sorted(self.files.items())).encode()).hexdigest()
        pod = self.pod_template(
            containers=[dnsmasq, images, apt],
            init_containers=[init],
            volumes=[
                config_map_volume("config", self.name),
                host_path("tftp", f"{root}/tftpboot"),
                host_path("leases", f"{root}/conf"),
                host_path("images", f"{root}/images"),
                host_path("apt", f"{root}/apt"),
                empty_dir("nginx-tmp"),
                empty_dir("nginx-cache"),
            ],
            # Any controller carrying `<node_label>=true`; never one fixed node.
            affinity=self.controller_affinity(
                {"key": settings.node_label, "operator": "In", "values": ["true"]}
            ),
            host_network=True,
            # A changed configuration restarts the pod (as does a changed mark, PXE_REINSTALL), so pxeboot-init runs again.
            annotations={"checksum/config": checksum},
        )
        self.deployment(pod)
        self.skip_check("CKV_K8S_19", HOST_NETWORK_REASON)
        for check in ("CKV_K8S_23", "CKV_K8S_40", "CKV_K8S_25"):
            self.skip_check(check, ROOT_REASON)
        if settings.privileged:
            for check in ("CKV_K8S_16", "CKV_K8S_20"):
                self.skip_check(check, "the environment asks for a privileged dnsmasq (pxe.privileged)")

    def _check(self, domain: str, management_cidr: str, ipmi_cidr: Optional[str], reinstall: Sequence[str]) -> None:
        """Library use without an environment file: the same mistakes the environment checks catch, as ValueError."""
        for what, name in (("domain", domain), *(("host name", host.name) for host in self.hosts)):
            if not DNS_NAME.fullmatch(name):
                raise ValueError(f"PxeBoot {what} {name!r} is not a DNS name (lowercase letters, digits, '-' and '.')")
        management = ipaddress.IPv4Network(management_cidr)
        networks = [management] + ([ipaddress.IPv4Network(ipmi_cidr)] if ipmi_cidr else [])
        if ipaddress.IPv4Address(self.gateway) not in management:
            raise ValueError(f"PxeBoot gateway {self.gateway} is not inside the management network {management}")
        seen: dict[str, str] = {}
        for host in self.hosts:
            if not any(ipaddress.IPv4Address(host.ip) in network for network in networks):
                raise ValueError(f"PxeBoot host {host.name} ({host.ip}) is not inside {' or '.join(map(str, networks))}")
            for kind, value in (("name", host.name), ("MAC", host.mac.lower() if host.mac else None)):
                if value and (kind, value) in seen:
                    raise ValueError(f"PxeBoot hosts {seen[(kind, value)]} and {host.name} have the same {kind} {value}")
                seen.setdefault((kind, value), host.name)
        unknown = [mac for mac in reinstall if ("MAC", mac.lower()) not in seen]
        if unknown:
            raise ValueError(f"PxeBoot reinstall MACs {unknown} are not the MAC of any host, so they would get no address")

    @classmethod
    def from_environment(cls, scope: Construct, id: str, *, site: "Site", environment: "Environment") -> "PxeBoot":
        """The G8's PxeBoot: every node's management and IPMI interface reserved and named, `pxe.reinstall` marked."""
        if environment.pxe is None:
            raise ValueError(f"environment {environment.name} has no pxe section")
        hosts = []
        for node in environment.nodes:
            management = environment.address(node, "management")
            if management:
                hosts.append(PxeHost(node.name, node.management_mac, management))
            ipmi = environment.address(node, "ipmi")
            if ipmi and (node.ipmi or node.addresses.ipmi):
                hosts.append(PxeHost(f"ipmi-{node.name}", node.ipmi.mac if node.ipmi else None, ipmi))
        nodes = {n.name: n for n in environment.nodes}
        networks = environment.networks
        return cls(
            scope, id, site=site, settings=environment.pxe, domain=environment.subdomain, gateway=networks.management.gateway,
            hosts=hosts, ipmi_cidr=networks.ipmi.cidr if networks.ipmi else None,
            reinstall=[nodes[name].management_mac or "" for name in environment.pxe.reinstall],
            ssh_public_key=environment.ssh.public_key, ipmi_address=environment.pxe.ipmi_address,
        )
