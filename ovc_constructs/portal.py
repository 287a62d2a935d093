"""PortalStack: nginx (the only public listener, the G8's web front), the OpenvCloud portal and its redis, on every controller."""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Optional, Sequence

from cdk8s import ApiObject
from constructs import Construct

from . import jumpscale
from .component import Component, ServicePort
from .environment import DNS1123_LABEL, DNS1123_SUBDOMAIN, Certificates, Environment, PortalSettings
from .files import TEMPLATES, template
from .installer.importer import tls_secret
from .manifest import api_object
from .osis import OsisDaemon
from .pods import NGINX_UID, config_map_volume, container, empty_dir, http_probe, mount, secret_volume, security_context
from .versions_manifest import VersionsManifest
from .site import Site
from .system_config import JUMPSCALE_SECRETS, SystemConfig
from .system_config import file_mount as system_config_file_mount

PORTAL_PORT = 82
NGINX_HTTP_PORT = 8080
NGINX_HTTPS_PORT = 8443
NGINX_HEALTH_PORT = 8081
NODE_WEB_PORT = 2001
"""The cpu and storage nodes' own nginx on their backplane address (contract §9)."""
ZERO_ACCESS_PORT = 5000
CONFIG_DIR = "/etc/nginx/ovc"
TLS_DIR = "/etc/nginx/tls"
UI_DIR = "/opt/code/github/g8vdc/"
JSLIB_DIR = "/opt/code/github/web_python/root/jslib/"
"""The UI and jslib that the release's openvcloud/nginx image carries (contract §3.6)."""
MAINTENANCE_PAGE = "maintenance.html"
PORTALS_DIR = "/opt/jumpscale7/apps/portals"
VERSION_DIR = "/opt/cfg/version"
PORTAL_GUID_PREFIX = "03"
PORTAL_SECRETS = (*JUMPSCALE_SECRETS, "itsyouonline", "mail")
"""The bootstrap (configure-portal.py) also reads the itsyou.online client secret and the mail password."""
ROLES = ("root", "ovs", "novnc", "defense")
SINGLE_CERTIFICATE = Certificates(root="portal", ovs="portal", novnc="portal", defense="portal")
"""The library default: one certificate (TLS Secret `tls-portal`) for every name of the web front."""
MAP_KEYWORDS = ("default", "hostnames", "include", "volatile")


def nginx_map_key(value: str) -> str:
    """A `map` source value; one that spells a parameter of `map` is escaped."""
    return f"\\{value}" if value in MAP_KEYWORDS else value


@dataclass(frozen=True)
class WebFront:
    """What nginx serves for one G8 (contract §9): its names, its nodes' backplane addresses, its certificates.

    `location` is the G8's subdomain: the name of the cpu nodes' upstream and of the storage nodes' (`ovs-<location>`),
    the value the portal puts in the location cookies. A G8 without storage nodes has no ovs vhost, one without
    cpu nodes no novnc and defense vhosts (nginx refuses an empty upstream).
    """

    domain: str
    location: str
    cpu_nodes: tuple[str, ...] = ()
    storage_nodes: tuple[str, ...] = ()
    certificates: Certificates = SINGLE_CERTIFICATE
    zero_access: bool = False
    settings: PortalSettings = field(default_factory=PortalSettings)

    def __post_init__(self) -> None:
        if not DNS1123_SUBDOMAIN.match(self.domain):
            raise ValueError(f"domain {self.domain!r} is not a DNS name")
        if not DNS1123_LABEL.match(self.location):
            raise ValueError(f"location {self.location!r} is not a DNS label")
        for kind in ("cpu_nodes", "storage_nodes"):
            addresses = tuple(getattr(self, kind))
            for address in addresses:
                ipaddress.IPv4Address(address)  # ValueError for anything else: it goes into nginx.conf
            object.__setattr__(self, kind, addresses)

    @classmethod
    def from_environment(cls, environment: Environment) -> "WebFront":
        """The web front of an environment file (what G8Chart passes to PortalStack)."""
        zero_access = environment.zero_access
        return cls(
            domain=environment.fqdn, location=environment.subdomain,
            cpu_nodes=backplane_addresses(environment, "cpu"), storage_nodes=backplane_addresses(environment, "storage"),
            certificates=environment.certificates, zero_access=zero_access.enabled and "kubernetes" in zero_access.exposure,
            settings=environment.portal,
        )

    @property
    def cpu_upstream(self) -> str:
        return self.location

    @property
    def storage_upstream(self) -> str:
        return f"ovs-{self.location}"

    def roles(self) -> list[str]:
        """The roles this G8 serves outside maintenance: root always, ovs with storage nodes, novnc and defense with cpu nodes."""
        present = {"root": True, "ovs": bool(self.storage_nodes), "novnc": bool(self.cpu_nodes), "defense": bool(self.cpu_nodes)}
        return [role for role in ROLES if present[role]]

    def server_names(self, role: str) -> list[str]:
        """A role's public names; the root certificate also carries the virtual hosts."""
        names = PortalSettings.builtin_server_names(self.domain)[role]
        return names + [f"{v.name}.{self.domain}" for v in self.settings.virtual_hosts] if role == "root" else names

    def all_server_names(self) -> list[str]:
        """Every name nginx answers for outside maintenance (Traefik's SNI list, the certificates' names)."""
        return [name for role in self.roles() for name in self.server_names(role)]

    def certificate(self, role: str) -> str:
        """The TLS Secret (`tls-<name>`) of a role's certificate."""
        return tls_secret(getattr(self.certificates, role))

    def certificate_names(self) -> dict[str, list[str]]:
        """Each TLS Secret the front uses, with the names its certificate must carry."""
        secrets: dict[str, list[str]] = {}
        for role in self.roles():
            secrets.setdefault(self.certificate(role), []).extend(self.server_names(role))
        return secrets


def backplane_addresses(environment: Environment, role: str) -> list[str]:
    """The backplane address of every node with `role` (converged controllers included) that has one."""
    addresses = (environment.address(node, "backplane") for node in environment.nodes if role in node.roles)
    return [address for address in addresses if address]


def certificate_dir(secret: str) -> str:
    return f"{TLS_DIR}/{secret}"


def volume_name(secret: str) -> str:
    """The pod volume of a TLS Secret: its own name if that is short enough for a volume name."""
    return secret if len(secret) <= 63 else f"tls-{hashlib.sha256(secret.encode()).hexdigest()[:16]}"


def _upstream(name: str, addresses: Sequence[str]) -> str:
    servers = "".join(f"        server {address}:{NODE_WEB_PORT};\n" for address in addresses)
    # ip_hash: a client stays on one node, where its session lives (contract §9).
    return f"\n    upstream {name} {{\n        ip_hash;\n{servers}    }}\n"


def _cookie_map(cookie: str, variable: str, location: str, upstream: str) -> str:
    """The upstream a location cookie selects: only this G8's location is known, anything else gets it too."""
    return (f"\n    map $cookie_{cookie} ${variable} {{\n        default {upstream};\n"
            f"        {nginx_map_key(location)} {upstream};\n    }}\n")


CLIENT_HEADERS = ("X-Real-IP $remote_addr", "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto https",
                  "Upgrade $http_upgrade", "Connection $connection_upgrade")
"""What every proxied request says about its client and a websocket upgrade. A location that sets a header of
its own repeats them all: nginx inherits `proxy_set_header` only into a level that sets none."""


def client_headers(indent: int) -> str:
    return "\n".join(f"{' ' * indent}proxy_set_header {header};" for header in CLIENT_HEADERS)


def render_nginx_config(front: WebFront, namespace: str, *, resolver: Optional[str] = None) -> str:
    """nginx.conf for the portal pod (contract §9, without the historical template's faults, §14 #3-#5)."""
    settings = front.settings
    behind_traefik = settings.public.mode == "traefik"
    proxy_protocol = " proxy_protocol" if behind_traefik else ""
    # Behind Traefik the client address arrives in the PROXY protocol header (only Traefik may connect).
    real_ip = "    set_real_ip_from 0.0.0.0/0;\n    real_ip_header proxy_protocol;\n" if behind_traefik else ""

    def tls(role: str, default: bool = False) -> str:
        directory = certificate_dir(front.certificate(role))
        return (f"        listen {NGINX_HTTPS_PORT} ssl http2{' default_server' if default else ''}{proxy_protocol};\n"
                f"        ssl_certificate {directory}/tls.crt;\n        ssl_certificate_key {directory}/tls.key;")

    root_names = " ".join(front.server_names("root")[:2])
    jslib = template("nginx-jslib.conf").substitute(jslib_dir=JSLIB_DIR)
    upstreams, servers = "", ""
    if settings.maintenance:
        servers = template("nginx-maintenance.conf").substitute(
            tls=tls("root", default=True), root_names=root_names, jslib=jslib, page=f"{CONFIG_DIR}/{MAINTENANCE_PAGE}")
    else:
        zero_access = template("nginx-zero-access.conf").substitute(
            namespace=namespace, zero_access_port=ZERO_ACCESS_PORT, client_headers=client_headers(12))
        servers = template("nginx-root.conf").substitute(
            tls=tls("root", default=True), root_names=root_names, ui_dir=UI_DIR, jslib=jslib, namespace=namespace,
            zero_access=zero_access if front.zero_access else "", portal_port=PORTAL_PORT)
        if front.storage_nodes:
            upstreams += _upstream(front.storage_upstream, front.storage_nodes)
            upstreams += _cookie_map("ovs_proxy_location", "ovs_upstream", front.location, front.storage_upstream)
            servers += template("nginx-ovs.conf").substitute(
                tls=tls("ovs"), server_name=front.server_names("ovs")[0], client_headers=client_headers(12))
        if front.cpu_nodes:
            upstreams += _upstream(front.cpu_upstream, front.cpu_nodes)
            upstreams += _cookie_map("ovc_proxy_location", "defense_upstream", front.location, front.cpu_upstream)
            servers += template("nginx-novnc.conf").substitute(
                tls=tls("novnc"), server_name=front.server_names("novnc")[0], cpu_upstream=front.cpu_upstream,
                client_headers=client_headers(12))
            servers += template("nginx-defense.conf").substitute(tls=tls("defense"), server_name=front.server_names("defense")[0])
    servers += "".join(
        template("nginx-vhost.conf").substitute(tls=tls("root"), server_name=f"{v.name}.{front.domain}", upstream=v.upstream)
        for v in settings.virtual_hosts
    )
    # A hash bucket must hold the longest name (about 24 bytes of overhead).
    bucket_size = 64
    while bucket_size < max(map(len, front.all_server_names())) + 24:
        bucket_size *= 2
    return template("nginx.conf").substitute(
        resolver=resolver or settings.dns_resolver,
        real_ip=real_ip,
        client_headers=client_headers(4),
        bucket_size=bucket_size,
        upstreams=upstreams,
        health_port=NGINX_HEALTH_PORT,
        http_port=NGINX_HTTP_PORT,
        proxy_protocol=proxy_protocol,
        root_names=root_names,
        domain=front.domain,
        servers=servers,
    )


def maintenance_page() -> str:
    return (TEMPLATES / "portal-maintenance.html").read_text(encoding="utf-8")


class PortalStack(Component):
    """One pod per controller node: nginx in front, the portal on localhost:82, redis on localhost:9999.

    nginx is the only public listener (80/443 on the public IPs, as fixed NodePorts or through a Traefik
    `IngressRouteTCP` with TLS passthrough) and the G8's web front (contract §9): the UI and jslib of its
    image, `<domain>`/`www.<domain>`, and with `storage_nodes` `ovs-<domain>`, with `cpu_nodes`
    `novnc-<domain>` and `defense-<domain>` (backplane addresses, port 2001). The portal is `portal:82`
    inside the cluster; its code is the image's, so it follows the image on an upgrade.
    """

    health_path = "/ping"

    @staticmethod
    def backplane_addresses(environment: Environment, role: str) -> list[str]:
        """The backplane addresses of an environment's nodes with `role` (for `cpu_nodes`, `storage_nodes`)."""
        return backplane_addresses(environment, role)

    default_name = "portal"
    role = "frontend"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        osis: OsisDaemon,
        domain: str,
        system_config: SystemConfig,
        versions: VersionsManifest,
        settings: PortalSettings = PortalSettings(),
        location: Optional[str] = None,
        cpu_nodes: Sequence[str] = (),
        storage_nodes: Sequence[str] = (),
        certificates: Certificates = SINGLE_CERTIFICATE,
        zero_access: bool = False,
        billing_host_path: str = "/var/ovc/billing",
        ovs_credentials_secret: str = "ovs-cred",
        site: Optional[Site] = None,
        name: Optional[str] = None,
    ) -> None:
        site = site or osis.site
        super().__init__(scope, id, site=site, name=name, image=settings.portal_image)
        self.settings = settings
        self.domain = domain
        self.front = WebFront(domain=domain, location=location or domain.split(".", 1)[0], cpu_nodes=tuple(cpu_nodes),
                              storage_nodes=tuple(storage_nodes), certificates=certificates, zero_access=zero_access, settings=settings)
        self.server_names = self.front.all_server_names()
        self.nginx_config = render_nginx_config(self.front, self.namespace)
        files = {"nginx.conf": self.nginx_config, MAINTENANCE_PAGE: maintenance_page()}
        self.config_map("nginx-config", files, name=f"{self.name}-nginx")
        secrets = self.front.certificate_names()
        self.certificates = [self._certificate(secret, names) for secret, names in secrets.items()] if settings.tls.mode == "cert-manager" else []

        nginx = container(
            "nginx",
            settings.nginx_image,
            command=["nginx", "-c", f"{CONFIG_DIR}/nginx.conf", "-g", "daemon off;"],
            ports={"http": NGINX_HTTP_PORT, "https": NGINX_HTTPS_PORT, "health": NGINX_HEALTH_PORT},
            mounts=[mount("nginx-config", CONFIG_DIR, read_only=True),
                    *(mount(volume_name(secret), certificate_dir(secret), read_only=True) for secret in secrets),
                    mount("nginx-tmp", "/tmp"), mount("nginx-cache", "/var/cache/nginx")],
            resources=settings.nginx_resources,
            security=security_context(user=NGINX_UID),
            liveness=http_probe("/healthz", NGINX_HEALTH_PORT, initial_delay=5),
            readiness=http_probe("/healthz", NGINX_HEALTH_PORT, initial_delay=2, period=5),
        )
        # The portal runs the image's code (no volume over PORTALS_DIR), as the historical deployment did: a new
        # image brings new code. What must survive lives elsewhere: billing on the host, the rest in osis/mongo.
        portal = container(
            "portal",
            settings.portal_image,
            command=["jspython", "portal_start.py", "main"],
            working_dir=f"{PORTALS_DIR}/main",
            ports={"portal": PORTAL_PORT},
            mounts=[jumpscale.config_mount(), jumpscale.billing_mount(), system_config_file_mount()],
            resources=settings.portal_resources,
            security=jumpscale.jumpscale_security(),
            liveness=http_probe("/ping", PORTAL_PORT, initial_delay=60, period=20),
            readiness=http_probe("/ping", PORTAL_PORT, initial_delay=20),
        )
        # The portal bootstrap (users, groups, location, grid, OAuth clients, OVS credentials, release record)
        # runs after the JumpScale step, in the same init container (contract §3.5); its jsagent gets a GUID per node.
        configure = jumpscale.system_init(
            settings.portal_image,
            machine_guid=jumpscale.machine_guids(PORTAL_GUID_PREFIX, site.node_names),
            then=[f"jspython {jumpscale.PORTAL_SCRIPTS}/configure-portal.py"],
            mounts=[mount("versions-manifest", f"{VERSION_DIR}/{VersionsManifest.FILE}", read_only=True, sub_path=VersionsManifest.FILE),
                    mount("ovs-cred", "/etc/ovscred", read_only=True)],
        )
        nginx_files = "".join(f"{key}\0{value}\0" for key, value in sorted(files.items()))
        template = jumpscale.pod_template(
            self,
            system_config,
            configure,
            containers=[nginx, portal, jumpscale.jsagent(settings.portal_image, settings.jsagent_resources),
                        jumpscale.redis_sidecar(settings.redis_image, settings.redis_resources)],
            secrets=PORTAL_SECRETS,
            volumes=[
                config_map_volume("nginx-config", f"{self.name}-nginx"),
                *(secret_volume(volume_name(secret), secret, mode=0o440) for secret in secrets),
                config_map_volume("versions-manifest", versions.config_map_name, keys=[VersionsManifest.FILE]),
                secret_volume("ovs-cred", ovs_credentials_secret),
                empty_dir("nginx-tmp"),
                empty_dir("nginx-cache"),
                jumpscale.billing_volume(billing_host_path),
                jumpscale.redis_volume(),
            ],
            fs_group=NGINX_UID,
            low_ports=True,  # the portal binds 82 as a capability-less root
            # nginx reads its files at start only (a maintenance switch must roll the pods); the bootstrap records
            # the release, so a new versions manifest must roll the portal too.
            annotations={"checksum/nginx-config": hashlib.sha256(nginx_files.encode()).hexdigest(),
                         "checksum/versions-manifest": hashlib.sha256(versions.text.encode()).hexdigest()},
        )
        self.daemon_set(template)
        jumpscale.skip_root_checks(self)

        self.expose_kubernetes([ServicePort("portal", PORTAL_PORT)])
        http = ServicePort("http", 80, NGINX_HTTP_PORT, node_port=settings.public.http_node_port)
        https = ServicePort("https", 443, NGINX_HTTPS_PORT, node_port=settings.public.https_node_port)
        if settings.public.mode == "nodeport":
            self.expose_public([http, https])
            self.ingress_route = None
        else:
            self.ingress_route = self._traefik_passthrough(http, https)
        self.depends_on(osis)

    def _certificate(self, secret: str, names: list[str]) -> ApiObject:
        """cert-manager issues one certificate per TLS Secret, for the names of the roles that use it."""
        tls = self.settings.tls
        issuer = {"name": tls.issuer_name, "kind": tls.issuer_kind, "group": "cert-manager.io"}
        return api_object(self, f"certificate-{secret}", api_version="cert-manager.io/v1", kind="Certificate",
                          **self.metadata(secret), body={"spec": {"secretName": secret, "dnsNames": names, "issuerRef": issuer}})

    def _traefik_passthrough(self, http: ServicePort, https: ServicePort) -> ApiObject:
        """TLS passthrough (seed 002): Traefik forwards the TCP stream by SNI; nginx terminates TLS.

        The PROXY protocol carries the client address through Traefik, and only Traefik's namespace is
        admitted to nginx.
        """
        public = self.settings.public
        plain = [ServicePort("http", http.port, http.target_port), ServicePort("https", https.port, https.target_port)]
        service = "portal-nginx"
        self._service("tls-passthrough", service, plain, type="ClusterIP")
        traefik = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": public.traefik_namespace}}}
        self.allow_ingress("traefik-ingress", name="portal-from-traefik", peers=[traefik], ports=plain)

        def route(id: str, name: str, entry_point: str, match: str, port: ServicePort, tls: Optional[dict] = None) -> ApiObject:
            to_nginx = {"name": service, "port": port.port, "proxyProtocol": {"version": 2}}
            spec = {"entryPoints": [entry_point], "routes": [{"match": match, "services": [to_nginx]}], "tls": tls}
            return api_object(self, id, api_version="traefik.io/v1alpha1", kind="IngressRouteTCP", **self.metadata(name),
                              body={"spec": spec})

        sni = " || ".join(f"HostSNI(`{name}`)" for name in self.server_names)
        route("ingress-route-http", "portal-http", public.traefik_http_entrypoint, "HostSNI(`*`)", http)
        return route("ingress-route", "portal", public.traefik_https_entrypoint, sni, https, tls={"passthrough": True})
