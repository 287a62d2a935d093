"""BillingSync: Syncthing on every controller, replicating the billing and metrics host paths between nodes."""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

from constructs import Construct

from .component import Component
from .environment import BillingSyncSettings
from .mongo import ReplicatedMongo
from .pods import container, empty_dir, host_path, config_map_volume, mount, secret_volume, security_context, tcp_probe
from .site import Site
from .syncthing import DISCOVERY_PORT, LISTEN_PLACEHOLDER, SYNC_PORT, Folder, Peer, is_valid_device_id, render_shared_config

CONFIG_HOME = "/var/syncthing/config"
ROOT_REASON = "syncthing must own the files it replicates into root-owned host paths (written by root Jumpscale processes); it runs as uid 0 without any capability"
HOST_NETWORK_REASON = "peers reach each other on the controllers' management IPs (sync 22000/TCP bound to that IP, local discovery 21027/UDP)"
PICK_IDENTITY = f"""set -eu
test -f "/templates/$NODE_NAME.address" || {{ echo "node $NODE_NAME is not a controller of this G8"; exit 1; }}
sed -e "s|{LISTEN_PLACEHOLDER}|tcp://$(cat "/templates/$NODE_NAME.address"):{SYNC_PORT}|" \\
    -e "s/__API_KEY__/$(cat /identity/apikey)/" /templates/config.xml > {CONFIG_HOME}/config.xml
cp "/identity/$NODE_NAME-cert.pem" {CONFIG_HOME}/cert.pem
cp "/identity/$NODE_NAME-key.pem" {CONFIG_HOME}/key.pem
chmod 600 {CONFIG_HOME}/key.pem
"""


class BillingSync(Component):
    """Syncthing on every controller node (host network, no Service), sharing every folder with every node.

    Every node gets the same `config.xml` with its own listen address (`<node>.address`) put in at start.
    Each node has its own identity: one existing Secret holds all pairs (`<node>-cert.pem`,
    `<node>-key.pem`) and the REST API key (`apikey`); an init container picks the node's pair by
    `spec.nodeName`. Device IDs are public and come from the environment file.
    """

    default_name = "billing-sync"
    role = "replication"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        site: Site,
        device_ids: Mapping[str, str],
        folders: Sequence[tuple[str, str]],
        settings: BillingSyncSettings = BillingSyncSettings(),
        mongo: Optional[ReplicatedMongo] = None,
        name: Optional[str] = None,
    ) -> None:
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        missing = [n for n in site.node_names if not is_valid_device_id(device_ids.get(n, ""))]
        if missing:
            raise ValueError(f"BillingSync needs a valid Syncthing device ID for every node; missing or invalid for {missing}")
        if mongo is not None:
            clash = [p for _, p in folders if p == mongo.settings.host_path or p.startswith(mongo.settings.host_path + "/")
                     or mongo.settings.host_path.startswith(p + "/")]
            if clash:
                raise ValueError(f"BillingSync never syncs MongoDB data ({mongo.settings.host_path}); remove folder(s) {clash}")
        self.settings = settings
        self.folders = [Folder(folder_id, path) for folder_id, path in folders]
        self.peers = [Peer(n.name, device_ids[n.name], n.management_ip) for n in site.nodes]
        # One shared config plus each node's listen address: linear in the number of controllers.
        self.shared_config = render_shared_config(self.peers, self.folders)
        self.config_map("config", {"config.xml": self.shared_config, **{f"{peer.name}.address": peer.address for peer in self.peers}})
        root = security_context(user=0)
        pick = container(
            "pick-identity",
            site.helper_image,
            command=["sh", "-c", PICK_IDENTITY],
            env_from_fields={"NODE_NAME": "spec.nodeName"},
            mounts=[mount("templates", "/templates", read_only=True), mount("identity", "/identity", read_only=True),
                    mount("config", CONFIG_HOME)],
            resources=settings.resources,
            security=root,
        )
        syncthing = container(
            "syncthing",
            settings.image,
            command=["/bin/syncthing", "-home", CONFIG_HOME, "-gui-address", "127.0.0.1:8384", "-no-browser", "-no-restart"],
            env={"STNOUPGRADE": "1", "HOME": CONFIG_HOME},
            ports={"sync": SYNC_PORT},
            udp_ports={"discovery": DISCOVERY_PORT},
            mounts=[mount("config", CONFIG_HOME), mount("tmp", "/tmp")]
            + [mount(f"folder-{f.id}", f.path) for f in self.folders],
            resources=settings.resources,
            security=root,
            # The GUI/REST port listens on 127.0.0.1 only; on the host network the kubelet reaches it there.
            liveness=tcp_probe(8384, host="127.0.0.1", initial_delay=30),
            readiness=tcp_probe(8384, host="127.0.0.1", initial_delay=10),
        )
        self.daemon_set(
            self.pod_template(
                containers=[syncthing],
                init_containers=[pick],
                volumes=[
                    config_map_volume("templates", self.name),
                    secret_volume("identity", settings.secret_name),
                    empty_dir("config", "1Gi"),
                    empty_dir("tmp"),
                ]
                + [host_path(f"folder-{f.id}", f.path) for f in self.folders],
                host_network=True,
            )
        )
        for check in ("CKV_K8S_23", "CKV_K8S_40"):
            self.skip_check(check, ROOT_REASON)
        self.skip_check("CKV_K8S_19", HOST_NETWORK_REASON)

