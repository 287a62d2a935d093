"""The remaining controller pods of a running G8 (seed 001): management, zero-access, uptime-monitor,
qa, and ovc-versions, which serves the G8's release manifest."""
from __future__ import annotations

import hashlib
from typing import Optional, Sequence

from constructs import Construct

from . import jumpscale
from .component import ROOT_SSH_DIR, Component, Exposure, HostDirectory, ServicePort
from .environment import ManagementSettings, QaSettings, ServiceSettings, UptimeMonitorSettings, VersionsSettings, ZeroAccessSettings
from .pods import (Json, NGINX_UID, config_map_volume, container, empty_dir, exec_probe, host_path, http_probe, mount, secret_volume,
                   security_context, tcp_probe)
from .pxeboot import render_static_nginx_config
from .versions_manifest import VersionsManifest
from .site import Site
from .system_config import CONFIG_DIR, JUMPSCALE_SECRETS, SECRET_GROUPS, CONFIG_FILE, SystemConfig, dir_mount, file_mount

UPTIME_PORT = 9500
VERSIONS_PORT = 8080
VERSIONS_HEALTH_PORT = 8081
MANAGEMENT_SSH_PORT = 2205
INSTALLER_DIR = "/opt/code/github/0-complexity/openvcloud_installer/scripts/install/"
INSTALLER_PATH = f"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:{INSTALLER_DIR}"
SSHD_CAPABILITIES = ("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID", "SYS_CHROOT")
"""What sshd and phusion's my_init need as root: privilege separation (chroot, setuid/setgid), login records,
per-session users and files (0-access), signalling their children. Nothing else."""
SSHD_REASON = "sshd (phusion baseimage) runs as root and needs SYS_CHROOT, SETUID/SETGID, AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, KILL"


def sshd_security(*extra: str) -> Json:
    return security_context(user=0, read_only_root=False, add_capabilities=sorted({*SSHD_CAPABILITIES, *extra}))


PREPARE_SSHD = """set -eu
source=${SSH_SOURCE:-/etc/ssh} target=${HOST_KEYS:-/host-keys}
# sshd's configuration from the image, once; the image's baked host keys are public, so never those.
for file in "$source"/*; do
  name=$(basename "$file")
  case "$name" in ssh_host_*) continue ;; esac
  cp -an "$file" "$target/"
done
for type in rsa ecdsa ed25519; do
  [ -f "$target/ssh_host_${type}_key" ] || ssh-keygen -q -N '' -t "$type" -f "$target/ssh_host_${type}_key"
done
"""


class ControllerService(Component):
    """A single-instance OpenvCloud service pod with its ports and exposures from the environment.

    It reads the system config (merged with the secret values of `secrets`) as a file (`config_dir=None`)
    or as a directory; `ssh_host_path` mounts the G8's root key pair; `sshd_host_keys` keeps sshd's
    configuration and host keys on that host path (over /etc/ssh, filled once by `prepare-sshd`); `jumpscale=True` adds the JumpScale configuration step and configuration volume
    (contract §2.3). `ports[0]` is the port published by an internal or public exposure. `security`
    defaults to root without any capability (the JumpScale images).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        site: Site,
        settings: ServiceSettings,
        system_config: SystemConfig,
        ports: Sequence[ServicePort] = (),
        probe: Optional[Json] = None,
        command: Optional[Sequence[str]] = None,
        working_dir: Optional[str] = None,
        jumpscale_config: bool = False,
        secrets: Sequence[str] = JUMPSCALE_SECRETS,
        config_dir: Optional[str] = None,
        volumes: Sequence[Json] = (),
        mounts: Sequence[Json] = (),
        init_containers: Sequence[Json] = (),
        env: Optional[dict[str, str]] = None,
        lifecycle: Optional[Json] = None,
        security: Optional[Json] = None,
        ssh_host_path: Optional[str] = None,
        sshd_host_keys: Optional[str] = None,
        name: Optional[str] = None,
    ) -> None:
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        self.settings = settings
        if ssh_host_path:  # the G8's root key pair at /root/.ssh
            volumes = [*volumes, self.root_ssh_volume(ssh_host_path)]
            mounts = [*mounts, mount("root-ssh", ROOT_SSH_DIR)]
        if sshd_host_keys:  # sshd's configuration and this G8's own host keys, kept on a (synced) host path
            init_containers = [*init_containers, container(
                "prepare-sshd", settings.image, command=["/bin/bash", "-c", PREPARE_SSHD], mounts=[mount("host-keys", "/host-keys")],
                resources=settings.resources, security=security_context(user=0))]
            volumes = [*volumes, host_path("host-keys", sshd_host_keys)]
            mounts = [*mounts, mount("host-keys", "/etc/ssh")]
        probe = probe or exec_probe(["sh", "-c", "kill -0 1"], initial_delay=30, period=30)
        config_mounts = [jumpscale.config_mount()] if jumpscale_config else []
        config_mounts.append(dir_mount(config_dir) if config_dir else file_mount())
        main = container(
            self.name,
            settings.image,
            command=command,
            working_dir=working_dir,
            ports={p.name: p.container_port for p in ports if p.protocol == "TCP"},
            udp_ports={p.name: p.container_port for p in ports if p.protocol == "UDP"},
            env=env or {},
            mounts=[*config_mounts, *mounts],
            resources=settings.resources,
            security=security or jumpscale.jumpscale_security(),
            liveness=probe,
            readiness=probe,
            lifecycle=lifecycle,
        )
        # Root without NET_BIND_SERVICE cannot bind a port below 1024 (zero-access's SSH on 22).
        options = dict(volumes=volumes, low_ports=any(p.container_port < 1024 for p in ports))
        if jumpscale_config:
            template = jumpscale.pod_template(self, system_config, jumpscale.system_init(settings.image),
                                              containers=[main], init_containers=init_containers, secrets=secrets, **options)
        else:
            template = system_config.pod_template(self, secrets=secrets, containers=[main], init_containers=init_containers, **options)
        self.deployment(template)
        jumpscale.skip_root_checks(self)
        if security is not None:
            self.skip_check("CKV_K8S_25", SSHD_REASON)
        exposure = Exposure.from_names(settings.exposure)
        if ports and Exposure.KUBERNETES in exposure:
            self.expose_kubernetes(ports)
        published = [ServicePort(p.name, p.port, p.target_port, node_port=settings.node_port, protocol=p.protocol) for p in ports[:1]]
        if published and Exposure.INTERNAL in exposure:
            self.expose_internal(published)
        if published and Exposure.PUBLIC in exposure:
            self.expose_public(published)


class Management(ControllerService):
    """Operations' management pod (the installer's home): SSH on 2205, internal by default.

    `init-ssh.py` moves the image's sshd to 2205 before phusion's `my_init` starts it (contract §13); root
    logs in with the G8's key from `ssh_host_path`. Its host keys are this G8's own, kept on a synced host path
    (the image's are public), so they survive restarts and moves. `installer` is on PATH and reads the whole system
    config (secret values included) through `ENV_CONFIG` (contract §3.12).
    """

    default_name = "management"
    role = "operations"

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: ManagementSettings = ManagementSettings(), ssh_host_path: str = "/var/ovc/.ssh", name: Optional[str] = None) -> None:
        super().__init__(scope, id, site=site, name=name, settings=settings, system_config=system_config,
                         ports=[ServicePort("ssh", MANAGEMENT_SSH_PORT)], probe=tcp_probe(MANAGEMENT_SSH_PORT, initial_delay=20),
                         command=["/bin/bash", "-c", "python3 /var/run/init-ssh.py && exec /sbin/my_init"],
                         env={"PATH": INSTALLER_PATH, "ENV_CONFIG": f"{CONFIG_DIR}/{CONFIG_FILE}"},
                         secrets=tuple(SECRET_GROUPS), config_dir=CONFIG_DIR,
                         ssh_host_path=ssh_host_path, sshd_host_keys=settings.host_keys_host_path, security=sshd_security())


class UptimeMonitor(ControllerService):
    """Receives the nodes' heartbeats on 9500/UDP (internal: management and backplane IPs).

    `uptime_monitor.py` also listens on TCP 9500, which the probe uses, and talks to osis and the agent
    controller (contract §3.14), so it runs with the configured JumpScale directory like the other agents.
    """

    default_name = "uptime-monitor"
    role = "monitoring"

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: UptimeMonitorSettings = UptimeMonitorSettings(), name: Optional[str] = None) -> None:
        super().__init__(scope, id, site=site, name=name, settings=settings, system_config=system_config,
                         ports=[ServicePort("heartbeat", UPTIME_PORT, protocol="UDP")], probe=tcp_probe(UPTIME_PORT),
                         command=["jspython", "uptime_monitor.py"], working_dir="/opt/jumpscale7/apps/heartbeat",
                         jumpscale_config=True)


class Qa(ControllerService):
    """The dev team's quality-assurance pod (off by default, contract §3.15).

    It configures JumpScale, starts phusion's services (sshd on 22) and registers GitLab runners with the
    token and runner count of Secret `gitlab_secret` (read from files, never environment variables); testers log in with the keys of Secret
    `authorized_keys_secret`. NET_ADMIN and /dev/net/tun are for its VPN tests.
    """

    default_name = "qa"
    role = "qa"

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: QaSettings = QaSettings(enabled=True), name: Optional[str] = None) -> None:
        runners = '/gitlab-runner.sh --token "$(cat /etc/gitlab-ci/token)" --runners "$(cat /etc/gitlab-ci/runners)"'
        super().__init__(
            scope, id, site=site, name=name, settings=settings, system_config=system_config,
            ports=[ServicePort("ssh", 22)], probe=tcp_probe(22, initial_delay=30),
            command=["/bin/bash", "-c", f"jspython {jumpscale.SYSTEM_SCRIPTS}/configure-system.py && exec /sbin/my_init"],
            env={"PATH": INSTALLER_PATH},
            lifecycle={
                "postStart": {"exec": {"command": ["/bin/bash", "-c", f"sleep 10 && {runners}"]}},
                "preStop": {"exec": {"command": ["gitlab-runner", "unregister", "--all-runners"]}},
            },
            config_dir=CONFIG_DIR,
            volumes=[secret_volume("tester-keys", settings.authorized_keys_secret, mode=0o600), secret_volume("gitlab-ci", settings.gitlab_secret),
                     host_path("tun", "/dev/net/tun", "CharDevice"), empty_dir("shm", "1Gi", memory=True)],
            mounts=[mount("tester-keys", f"{ROOT_SSH_DIR}/authorized_keys", read_only=True, sub_path="authorized_keys"),
                    mount("gitlab-ci", "/etc/gitlab-ci", read_only=True),
                    mount("tun", "/dev/net/tun"), mount("shm", "/dev/shm")],
            security=sshd_security("NET_ADMIN"),
        )


class ZeroAccess(ControllerService):
    """Recorded, temporary SSH access to the nodes: SSH 22 published as 7022 on the public IPs, HTTP 5000.

    0-access-start.py reads the itsyou.online client secret from the system config (contract §12) and
    advertises `<fqdn>:7022`; the portal's nginx serves its HTTP side at `https://<fqdn>/0-access/`. Host
    keys and sshd's configuration live on a host path (synced, so the pod can move) mounted over /etc/ssh:
    an init step fills it from the image once and generates this G8's own host keys (never the image's
    baked ones). Recordings and the search index are under /var/recordings, its SQLite database in that
    working directory, so sessions survive a restart.
    """

    RECORDINGS_DIR = "/var/recordings"
    HTTP = ServicePort("http", 5000)

    default_name = "zero-access"
    role = "access"

    def __init__(self, scope: Construct, id: str, *, site: Site, system_config: SystemConfig,
                 settings: ZeroAccessSettings = ZeroAccessSettings(), ssh_host_path: str = "/var/ovc/.ssh", name: Optional[str] = None) -> None:
        recordings = self.RECORDINGS_DIR
        super().__init__(
            scope, id, site=site, name=name, settings=settings, system_config=system_config,
            ports=[ServicePort("ssh", 7022, 22), self.HTTP],
            probe=http_probe("/ping", self.HTTP.port, initial_delay=20), secrets=("itsyouonline",),
            command=["/usr/bin/python3", "/opt/0-access/0-access-start.py"], working_dir=recordings,
            volumes=[host_path("recordings", settings.sessions_host_path)], mounts=[mount("recordings", recordings)],
            ssh_host_path=ssh_host_path, sshd_host_keys=settings.host_keys_host_path, security=sshd_security(),
        )
        # lash records each session as that session's own (non-root) user: the recordings directory is
        # writable by all, sticky like /tmp. The search index must exist before 0-access opens it (contract §12).
        self.declare_host_directory(HostDirectory(settings.sessions_host_path, 0o1777))
        self.declare_host_directory(HostDirectory(f"{settings.sessions_host_path}/index"))


class OvcVersions(Component):
    """nginx serving the G8's release manifest (`/versions-manifest.yaml`, the ConfigMap the portal reads too)."""

    default_name = "ovc-versions"
    role = "release-manifest"

    def __init__(self, scope: Construct, id: str, *, site: Site, versions: VersionsManifest,
                 settings: VersionsSettings = VersionsSettings(), name: Optional[str] = None) -> None:
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        nginx_config = render_static_nginx_config(str(VERSIONS_PORT), "/srv/ovc-versions", str(VERSIONS_HEALTH_PORT), autoindex=False)
        self.config_map("content", {"nginx.conf": nginx_config})
        nginx = container(
            "nginx",
            settings.image,
            command=["nginx", "-c", "/etc/nginx/ovc/nginx.conf", "-g", "daemon off;"],
            ports={"http": VERSIONS_PORT},
            mounts=[mount("config", "/etc/nginx/ovc", read_only=True), mount("content", "/srv/ovc-versions", read_only=True),
                    mount("tmp", "/tmp"), mount("cache", "/var/cache/nginx")],
            resources=settings.resources,
            security=security_context(user=NGINX_UID),
            liveness=http_probe("/healthz", VERSIONS_HEALTH_PORT, initial_delay=5),
            readiness=http_probe(f"/{VersionsManifest.FILE}", VERSIONS_PORT, initial_delay=2),
        )
        self.deployment(self.pod_template(
            containers=[nginx],
            volumes=[config_map_volume("config", self.name),
                     config_map_volume("content", versions.config_map_name, keys=[VersionsManifest.FILE]), empty_dir("tmp"), empty_dir("cache")],
            annotations={"checksum/content": hashlib.sha256(versions.text.encode()).hexdigest()},
        ))
        exposure = Exposure.from_names(settings.exposure)
        port = ServicePort("http", 80, VERSIONS_PORT, node_port=settings.node_port)
        self.expose(exposure, [port])
