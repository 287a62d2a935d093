"""PortalStack: nginx (the only public listener), the OpenvCloud portal and its redis, on every controller."""
from __future__ import annotations

import hashlib
from typing import Optional

from cdk8s import ApiObjectMetadata
from cdk8s_plus_27 import k8s
from constructs import Construct

from imports.certmanager_certificate.io.cert_manager import Certificate, CertificateSpec, CertificateSpecIssuerRef
from imports.traefik_ingressroutetcp.io.traefik import (
    IngressRouteTcp,
    IngressRouteTcpSpec,
    IngressRouteTcpSpecRoutes,
    IngressRouteTcpSpecRoutesServices,
    IngressRouteTcpSpecRoutesServicesPort,
    IngressRouteTcpSpecRoutesServicesProxyProtocol,
    IngressRouteTcpSpecTls,
)

from . import jumpscale
from .component import Component, ServicePort
from .environment import PortalSettings
from .files import template
from .osis import OsisDaemon
from .pods import NGINX_UID, config_map_volume, container, empty_dir, host_path, http_probe, mount, secret_volume, security_context
from .versions_manifest import VersionsManifest
from .site import Site
from .system_config import JUMPSCALE_SECRETS, SystemConfig
from .system_config import file_mount as system_config_file_mount

PORTAL_PORT = 82
NGINX_HTTP_PORT = 8080
NGINX_HTTPS_PORT = 8443
NGINX_HEALTH_PORT = 8081
TLS_DIR = "/etc/nginx/tls"
PORTALS_DIR = "/opt/jumpscale7/apps/portals"
VERSION_DIR = "/opt/cfg/version"
PORTAL_GUID_PREFIX = "03"
PORTAL_SECRETS = (*JUMPSCALE_SECRETS, "itsyouonline", "mail")
"""The bootstrap (configure-portal.py) also reads the itsyou.online client secret and the mail password."""


def server_names(domain: str, settings: PortalSettings) -> list[str]:
    """Every public name nginx answers for: the console and each virtual host."""
    return [domain] + [f"{v.name}.{domain}" for v in settings.virtual_hosts]


def render_nginx_config(domain: str, namespace: str, settings: PortalSettings, *, resolver: Optional[str] = None) -> str:
    """nginx.conf for the portal pod, rendered from the environment."""
    behind_traefik = settings.public.mode == "traefik"
    proxy_protocol = " proxy_protocol" if behind_traefik else ""
    # Behind Traefik the client address arrives in the PROXY protocol header (only Traefik may connect).
    real_ip = "    set_real_ip_from 0.0.0.0/0;\n    real_ip_header proxy_protocol;\n" if behind_traefik else ""
    common = {"https_port": NGINX_HTTPS_PORT, "proxy_protocol": proxy_protocol}
    vhost = template("nginx-vhost.conf")
    virtual_hosts = "".join(
        vhost.substitute(common, server_name=f"{v.name}.{domain}", upstream=v.upstream) for v in settings.virtual_hosts
    )
    return template("nginx.conf").substitute(
        common,
        resolver=resolver or settings.dns_resolver,
        real_ip=real_ip,
        tls_dir=TLS_DIR,
        health_port=NGINX_HEALTH_PORT,
        http_port=NGINX_HTTP_PORT,
        domain=domain,
        namespace=namespace,
        portal_port=PORTAL_PORT,
        virtual_hosts=virtual_hosts,
    )


class PortalStack(Component):
    """One pod per controller node: nginx in front, the portal on localhost:82, redis on localhost:9999.

    nginx is the only public listener (80/443 on the public IPs, as fixed NodePorts or through a Traefik
    `IngressRouteTCP` with TLS passthrough); the portal is `portal:82` inside the cluster.
    """

    health_path = "/ping"

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
        billing_host_path: str = "/var/ovc/billing",
        ovs_credentials_secret: str = "ovs-cred",
        site: Optional[Site] = None,
    ) -> None:
        site = site or osis.site
        super().__init__(scope, id, site=site, name="portal", role="frontend", image=settings.portal_image)
        self.settings = settings
        self.domain = domain
        self.server_names = server_names(domain, settings)
        self.nginx_config = render_nginx_config(domain, self.namespace, settings)
        config = k8s.KubeConfigMap(self, "nginx-config", metadata=self.metadata("portal-nginx"), data={"nginx.conf": self.nginx_config})
        self.certificate = self._certificate() if settings.tls.mode == "cert-manager" else None

        nginx = container(
            "nginx",
            settings.nginx_image,
            command=["nginx", "-c", "/etc/nginx/ovc/nginx.conf", "-g", "daemon off;"],
            ports={"http": NGINX_HTTP_PORT, "https": NGINX_HTTPS_PORT, "health": NGINX_HEALTH_PORT},
            mounts=[mount("nginx-config", "/etc/nginx/ovc", read_only=True), mount("tls", TLS_DIR, read_only=True),
                    mount("nginx-tmp", "/tmp"), mount("nginx-cache", "/var/cache/nginx")],
            resources=settings.nginx_resources,
            security=security_context(user=NGINX_UID),
            liveness=http_probe("/healthz", NGINX_HEALTH_PORT, initial_delay=5),
            readiness=http_probe("/healthz", NGINX_HEALTH_PORT, initial_delay=2, period=5),
        )
        portal = container(
            "portal",
            settings.portal_image,
            command=["jspython", "portal_start.py", "main"],
            working_dir=f"{PORTALS_DIR}/main",
            ports={"portal": PORTAL_PORT},
            mounts=[jumpscale.config_mount(), mount("portal-data", PORTALS_DIR), jumpscale.billing_mount(), system_config_file_mount()],
            resources=settings.portal_resources,
            security=jumpscale.jumpscale_security(),
            liveness=http_probe("/ping", PORTAL_PORT, initial_delay=60, period=20),
            readiness=http_probe("/ping", PORTAL_PORT, initial_delay=20),
        )
        # The node-local portal directory starts empty on a new node: fill it from the image, never overwrite.
        seed_portal = container(
            "seed-portal-data",
            settings.portal_image,
            command=["sh", "-c", f"cp -an {PORTALS_DIR}/. /seed/"],
            mounts=[mount("portal-data", "/seed")],
            resources=jumpscale.CONFIGURE_RESOURCES,
            security=jumpscale.jumpscale_security(),
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
        template = jumpscale.pod_template(
            self,
            system_config,
            configure,
            containers=[nginx, portal, jumpscale.jsagent(settings.portal_image, settings.jsagent_resources),
                        jumpscale.redis_sidecar(settings.redis_image, settings.redis_resources)],
            init_containers=[seed_portal],
            secrets=PORTAL_SECRETS,
            volumes=[
                config_map_volume("nginx-config", config.name),
                secret_volume("tls", settings.tls.secret_name, mode=0o440),
                config_map_volume("versions-manifest", versions.config_map.name, keys=[VersionsManifest.FILE]),
                secret_volume("ovs-cred", ovs_credentials_secret),
                empty_dir("nginx-tmp"),
                empty_dir("nginx-cache"),
                host_path("portal-data", settings.data_host_path),
                jumpscale.billing_volume(billing_host_path),
                jumpscale.redis_volume(),
            ],
            fs_group=NGINX_UID,
            low_ports=True,  # the portal binds 82 as a capability-less root
            # The bootstrap records the release: a new versions manifest must roll the portal too.
            annotations={"checksum/nginx-config": hashlib.sha256(self.nginx_config.encode()).hexdigest(),
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

    def _certificate(self) -> Certificate:
        tls = self.settings.tls
        return Certificate(
            self,
            "certificate",
            metadata=ApiObjectMetadata(name="portal", labels=self.labels),
            spec=CertificateSpec(
                secret_name=tls.secret_name,
                dns_names=self.server_names,
                issuer_ref=CertificateSpecIssuerRef(name=tls.issuer_name, kind=tls.issuer_kind, group="cert-manager.io"),
            ),
        )

    def _traefik_passthrough(self, http: ServicePort, https: ServicePort) -> IngressRouteTcp:
        """TLS passthrough (seed 002): Traefik forwards the TCP stream by SNI; nginx terminates TLS.

        The PROXY protocol carries the client address through Traefik, and only Traefik's namespace is
        admitted to nginx.
        """
        public = self.settings.public
        plain = [ServicePort("http", http.port, http.target_port), ServicePort("https", https.port, https.target_port)]
        service = self._service("tls-passthrough", "portal-nginx", plain, type="ClusterIP")
        traefik = k8s.NetworkPolicyPeer(
            namespace_selector=k8s.LabelSelector(match_labels={"kubernetes.io/metadata.name": public.traefik_namespace})
        )
        self.allow_ingress("traefik-ingress", name="portal-from-traefik", peers=[traefik], ports=plain)

        def route(match: str, port: ServicePort) -> IngressRouteTcpSpecRoutes:
            return IngressRouteTcpSpecRoutes(
                match=match,
                services=[
                    IngressRouteTcpSpecRoutesServices(
                        name=service.name,
                        port=IngressRouteTcpSpecRoutesServicesPort.from_number(port.port),
                        proxy_protocol=IngressRouteTcpSpecRoutesServicesProxyProtocol(version=2),
                    )
                ],
            )

        sni = " || ".join(f"HostSNI(`{name}`)" for name in self.server_names)
        IngressRouteTcp(
            self,
            "ingress-route-http",
            metadata=ApiObjectMetadata(name="portal-http", labels=self.labels),
            spec=IngressRouteTcpSpec(entry_points=[public.traefik_http_entrypoint], routes=[route("HostSNI(`*`)", http)]),
        )
        return IngressRouteTcp(
            self,
            "ingress-route",
            metadata=ApiObjectMetadata(name="portal", labels=self.labels),
            spec=IngressRouteTcpSpec(
                entry_points=[public.traefik_https_entrypoint],
                routes=[route(sni, https)],
                tls=IngressRouteTcpSpecTls(passthrough=True),
            ),
        )
