"""ReplicatedMongo: MongoDB 3.4 as replica set `rs0`, one member per controller node on local volumes."""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Optional

from cdk8s import ApiObject
from constructs import Construct

from .component import JOB_RESOURCES, Component, HostDirectory, ServicePort, node_selector
from .environment import MongoSettings
from .files import script
from .manifest import api_object
from .pods import UNPRIVILEGED_UID, Json, config_map_volume, container, empty_dir, exec_probe, mount, secret_volume, security_context
from .site import Site

MONGO_PORT = 27017
REPLICA_SET = "rs0"
MONGODB_UID = 999
"""The `mongodb` user of the official image; existing G8 data directories are owned by it."""
CLUSTER_DOMAIN = "cluster.local"
KEYFILE_DIR = "/keyfile"
UID_999_REASON = "the official mongo image's mongodb user is uid 999 and owns the data on the node"


@dataclass(frozen=True)
class MongoAuth:
    """Access control for users of the construct outside the G8: an existing Secret with `keyfile`
    (members authenticate each other with it) and `username`/`password` of the root user, which mongo-0
    creates through the localhost exception. See docs/mongo.md for the commands that make it."""

    secret_name: str


class ReplicatedMongo(Component):
    """A MongoDB 3.4 replica set with one member pinned to each controller node.

    Members keep their data on Kubernetes local PersistentVolumes (one per node, `Retain`), so a member
    always returns to its own node and data. A re-runnable Job initiates the set or adds members the
    environment gained; a CronJob dumps the set to a host path.
    """

    health_path = None

    default_name = "mongo"
    role = "database"

    def __init__(
        self, scope: Construct, id: str, *, site: Site, settings: MongoSettings = MongoSettings(), auth: Optional[MongoAuth] = None,
        name: Optional[str] = None,
    ) -> None:
        if len(site.nodes) < 3:
            raise ValueError(
                f"ReplicatedMongo needs at least 3 controller nodes for a majority that survives one loss, got {len(site.nodes)}: {site.node_names}"
            )
        super().__init__(scope, id, site=site, name=name, image=settings.image)
        self.settings = settings
        self.auth = auth
        self.port = ServicePort("mongodb", MONGO_PORT)
        self.members = [
            f"{self.name}-{i}.{self.name}.{self.namespace}.svc.{CLUSTER_DOMAIN}:{MONGO_PORT}" for i in range(len(site.nodes))
        ]
        self.connection_uri = f"mongodb://{','.join(self.members)}/?replicaSet={REPLICA_SET}"
        self.replica_set_hosts = f"{REPLICA_SET}/{','.join(self.members)}"
        """The `mongo` shell and tools' `--host` form, which connects to the primary."""
        self.members_json = json.dumps({"setName": REPLICA_SET, "members": self.members})
        self.storage_class_name = f"{self.namespace}-{self.name}-local"

        self._local_volumes()
        self.expose_kubernetes([self.port], headless=True)
        self._stateful_set()
        self.skip_check("CKV_K8S_40", UID_999_REASON)
        # Members replicate from each other.
        self.allow_from_pods("from-members", f"{self.name}-from-{self.name}", self.selector)
        self.disruption_budget = api_object(
            self, "disruption-budget", api_version="policy/v1", kind="PodDisruptionBudget", **self.metadata(),
            body={"spec": {"maxUnavailable": 1, "selector": {"matchLabels": self.selector}}},
        )
        self.init_job = self._replica_set_job()
        self.backup, self.restore = self._backup_cron_jobs()

    @property
    def replicas(self) -> int:
        return len(self.site.nodes)

    def _local_volumes(self) -> None:
        # A local volume is never created by the kubelet: the directory must exist, owned by mongod's uid.
        self.claim_data_directory(self.settings.host_path)
        self.declare_host_directory(HostDirectory(self.settings.host_path, 0o700, MONGODB_UID, MONGODB_UID))
        self.storage_class = api_object(
            self, "storage-class", api_version="storage.k8s.io/v1", kind="StorageClass", **self.metadata(self.storage_class_name),
            body={"provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Retain"},
            cluster_scoped=True,
        )
        self.volumes = [self._local_volume(node.name) for node in self.site.nodes]

    def _local_volume(self, node: str) -> ApiObject:
        spec = {
            "capacity": {"storage": self.settings.storage_size},
            "accessModes": ["ReadWriteOnce"],
            "volumeMode": "Filesystem",
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": self.storage_class_name,
            "local": {"path": self.settings.host_path},
            "nodeAffinity": {"required": node_selector(self.site.node_selector_key, [node])},
        }
        return api_object(self, f"volume-{node}", api_version="v1", kind="PersistentVolume",
                          **self.metadata(f"{self.namespace}-{self.name}-{node}"), body={"spec": spec}, cluster_scoped=True)

    def _mongo_security(self, user: int = MONGODB_UID) -> Json:
        return security_context(user=user)

    def shell_check(self, javascript: str, host: str = "127.0.0.1") -> list[str]:
        """A `mongo` shell command that exits 0 when `javascript` evaluates truthy (3.4 shell, no mongosh)."""
        return ["mongo", "--quiet", "--host", host, "--eval", f"quit(({javascript}) ? 0 : 1)"]

    def _stateful_set(self) -> None:
        one_per_node = {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": self.selector}}
        affinity = {**self.controller_affinity(), "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [one_per_node]}}
        # Ready when primary or secondary, or when not yet configured (so ordered start-up reaches every
        # member before the init Job initiates the set). A member still recovering is not ready, which
        # holds a rolling update until it has caught up.
        ready = "(function(m){return m.ismaster || m.secondary || (m.isreplicaset && !m.setName);})(db.isMaster())"
        keyfile_args = ["--keyFile", f"{KEYFILE_DIR}/keyfile"] if self.auth else []
        mongod = container(
            "mongod",
            self.settings.image,
            # 3.6+ binds to localhost unless told; `--bind_ip 0.0.0.0` means all interfaces in 3.4 and later alike.
            args=["mongod", "--replSet", REPLICA_SET, "--bind_ip", "0.0.0.0", "--port", str(MONGO_PORT), "--dbpath", "/data/db", *keyfile_args],
            ports={"mongodb": MONGO_PORT},
            mounts=[mount("data", "/data/db"), mount("tmp", "/tmp")] + ([mount("keyfile", KEYFILE_DIR, read_only=True)] if self.auth else []),
            resources=self.settings.resources,
            security=self._mongo_security(),
            startup=exec_probe(self.shell_check("db.adminCommand({ping: 1}).ok"), initial_delay=5, failures=60),
            liveness=exec_probe(self.shell_check("db.adminCommand({ping: 1}).ok"), period=20, failures=3),
            readiness=exec_probe(self.shell_check(ready), initial_delay=5),
        )
        containers, init_containers, volumes = [mongod], [], [empty_dir("tmp")]
        if self.auth:
            containers, init_containers, volumes = self._access_control(mongod)
        template = self.pod_template(
            containers=containers,
            init_containers=init_containers,
            volumes=volumes,
            affinity=affinity,
            fs_group=MONGODB_UID,
            termination_grace_seconds=60,
        )
        claim = {
            "metadata": {"name": "data", "labels": self.selector},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": self.storage_class_name,
                     "resources": {"requests": {"storage": self.settings.storage_size}}},
        }
        spec = {
            "serviceName": self.name,  # the headless Service (expose_kubernetes)
            "replicas": self.replicas,
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": self.selector},
            "template": template,
            "volumeClaimTemplates": [claim],
        }
        stateful_set = api_object(self, "stateful-set", api_version="apps/v1", kind="StatefulSet", **self.metadata(), body={"spec": spec})
        self.stateful_set = self.register_workload(stateful_set, template, kind="StatefulSet")

    def _access_control(self, mongod: Json) -> tuple[list, list, list]:
        """keyFile for the members, and a bootstrap sidecar through which mongo-0 initiates the set and
        creates the root user (only the localhost exception may do either)."""
        install_keyfile = container(
            "install-keyfile",
            self.settings.image,
            # mongod refuses a keyfile readable by group or others, which a Secret volume cannot guarantee.
            command=["sh", "-c", f"cp /auth/keyfile {KEYFILE_DIR}/keyfile && chmod 0400 {KEYFILE_DIR}/keyfile"],
            mounts=[mount("auth", "/auth", read_only=True), mount("keyfile", KEYFILE_DIR)],
            resources=JOB_RESOURCES,
            security=self._mongo_security(),
        )
        self.config_map("bootstrap-scripts", {
            "members.json": self.members_json,
            "mongo-rs-plan.js": script("mongo-rs-plan.js"),
            "mongo-bootstrap.js": script("mongo-bootstrap.js"),
            "mongo-bootstrap.sh": script("mongo-bootstrap.sh"),
        }, name=f"{self.name}-bootstrap")
        alive = exec_probe(["sh", "-c", "kill -0 1"], initial_delay=10, period=30)
        bootstrap = container(
            "bootstrap",
            self.settings.image,
            command=["sh", "/scripts/mongo-bootstrap.sh"],
            mounts=[mount("bootstrap-scripts", "/scripts", read_only=True), mount("auth", "/auth", read_only=True),
                    mount("bootstrap-tmp", "/tmp")],
            resources=JOB_RESOURCES,
            security=self._mongo_security(),
            liveness=alive,
            readiness=alive,  # never gate the member's readiness: mongo-1.. must start before mongo-0 can initiate
        )
        volumes = [empty_dir("tmp"), secret_volume("auth", self.auth.secret_name), empty_dir("keyfile", "1Mi"),
                   config_map_volume("bootstrap-scripts", f"{self.name}-bootstrap"), empty_dir("bootstrap-tmp", "1Mi")]
        return [mongod, bootstrap], [install_keyfile], volumes

    def _auth_volumes(self) -> tuple[list, list]:
        """The auth Secret for Jobs that must authenticate (none without access control)."""
        if not self.auth:
            return [], []
        return [secret_volume("auth", self.auth.secret_name)], [mount("auth", "/auth", read_only=True)]

    def _replica_set_job(self) -> ApiObject:
        auth_volumes, auth_mounts = self._auth_volumes()
        return self.script_job(
            "rs-init",
            name=f"{self.name}-rs-init",
            image=self.settings.image,
            scripts={
                "members.json": self.members_json,
                "mongo-rs-plan.js": script("mongo-rs-plan.js"),
                "mongo-rs-init.js": script("mongo-rs-init.js"),
                "mongo-rs-init.sh": script("mongo-rs-init.sh"),
            },
            command=["sh", "/scripts/mongo-rs-init.sh"],
            volumes=auth_volumes,
            mounts=auth_mounts,
        )

    def _backup_cron_jobs(self) -> tuple[ApiObject, ApiObject]:
        """`mongo-backup` on its schedule, and `mongo-restore`, suspended, for the operator to trigger.

        Both use the `mongo-backup` pod labels, which the NetworkPolicy `mongo-from-mongo-backup` admits.
        """
        name = f"{self.name}-backup"
        labels = self.helper_labels(name)
        backup = self.settings.backup
        self.config_map("backup-scripts", {"mongo-backup.sh": script("mongo-backup.sh"), "mongo-restore.sh": script("mongo-restore.sh")},
                        name=name)
        env = {"MONGO_HOSTS": self.replica_set_hosts, "RETENTION_DAYS": str(backup.retention_days)}
        self.allow_from_pods("from-backup", f"{self.name}-from-{name}", labels)
        auth_volumes, auth_mounts = self._auth_volumes()
        backup_volume = self.host_directory("backup", HostDirectory(backup.host_path, 0o750, MONGODB_UID, MONGODB_UID), "Directory")

        def cron_job(id: str, job_name: str, command: str, schedule: str, suspend: bool) -> ApiObject:
            runner = container(
                job_name, self.settings.image,
                command=["sh", f"/scripts/{command}"],
                env=env,
                mounts=[mount("scripts", "/scripts", read_only=True), mount("backup", "/backup"), mount("tmp", "/tmp"),
                        *auth_mounts],
                resources=JOB_RESOURCES,
                security=self._mongo_security(),
            )
            template = self.pod_template(
                containers=[runner],
                volumes=[config_map_volume("scripts", name), backup_volume,
                         empty_dir("tmp"), *auth_volumes],
                labels=labels,
                restart_policy="OnFailure" if not suspend else "Never",
            )
            spec = {"schedule": schedule, "suspend": suspend, "concurrencyPolicy": "Forbid",
                    "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3,
                    "jobTemplate": {"spec": {"backoffLimit": 0 if suspend else 2, "template": template}}}
            job = api_object(self, id, api_version="batch/v1", kind="CronJob", **self.metadata(job_name), body={"spec": spec})
            self.skip_check("CKV_K8S_40", UID_999_REASON, on=job)
            return self.register_pod_owner(job, template)

        return (
            cron_job("backup", name, "mongo-backup.sh", backup.schedule, suspend=False),
            # Never scheduled: `kubectl create job --from=cronjob/mongo-restore ...` runs it (docs/mongo.md).
            cron_job("restore", f"{self.name}-restore", "mongo-restore.sh", "0 0 1 1 *", suspend=True),
        )

    def wait_container(self) -> Json:
        """Dependents wait until the replica set has a primary (the shell connects only to a primary)."""
        check = shlex.join(self.shell_check("db.isMaster().ismaster", host=self.replica_set_hosts))
        return container(
            "wait-for-mongo",
            self.settings.image,
            command=["sh", "-c", f"until {check} >/dev/null 2>&1; do echo waiting for a mongo primary; sleep 3; done"],
            resources=JOB_RESOURCES,
            security=self._mongo_security(UNPRIVILEGED_UID),
        )
