"""ReplicatedMongo: one member per node on local volumes, stable names, safe rolling and backups."""
import json
import shutil
import subprocess

import pytest

from ovc_constructs import MongoAuth, ReplicatedMongo
from ovc_constructs.files import SCRIPTS

from .conftest import container_named, environment, find, find_all, nodes, pod_spec, site, synth, synth_construct


def test_snapshot_standalone(yaml_snapshot):
    assert synth_construct(lambda chart: ReplicatedMongo(chart, "mongo", site=site(3))) == yaml_snapshot


@pytest.mark.parametrize("count", [3, 5])
def test_one_member_per_node_with_stable_dns_names(count):
    out = synth(environment(nodes=nodes(count)))
    stateful_set = find(out, "StatefulSet", "mongo")
    assert stateful_set["spec"]["replicas"] == count
    assert stateful_set["spec"]["serviceName"] == "mongo"
    members = json.loads(find(out, "ConfigMap", "mongo-rs-init")["data"]["members.json"])
    assert members == {"setName": "rs0", "members": [f"mongo-{i}.mongo.openvcloud.svc.cluster.local:27017" for i in range(count)]}


def test_no_two_members_share_a_node_and_members_stay_on_controllers(example_manifests):
    affinity = pod_spec(find(example_manifests, "StatefulSet", "mongo"))["affinity"]
    term = affinity["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"]["app.kubernetes.io/name"] == "mongo"
    required = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert required["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["ctrl-01", "ctrl-02", "ctrl-03"]


def test_each_local_volume_is_pinned_to_its_node_and_retained(example_manifests):
    storage_class = find(example_manifests, "StorageClass", "openvcloud-mongo-local")
    assert storage_class["provisioner"] == "kubernetes.io/no-provisioner"
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage_class["reclaimPolicy"] == "Retain"
    volumes = find_all(example_manifests, "PersistentVolume")
    assert [v["metadata"]["name"] for v in volumes] == [f"openvcloud-mongo-ctrl-0{i}" for i in (1, 2, 3)]
    for index, volume in enumerate(volumes, start=1):
        spec = volume["spec"]
        assert spec["local"] == {"path": "/var/ovc/mongodb"}
        assert spec["persistentVolumeReclaimPolicy"] == "Retain"
        assert spec["storageClassName"] == "openvcloud-mongo-local"
        expression = spec["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]
        assert expression == {"key": "kubernetes.io/hostname", "operator": "In", "values": [f"ctrl-0{index}"]}
    claim = find(example_manifests, "StatefulSet", "mongo")["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "data" and claim["spec"]["storageClassName"] == "openvcloud-mongo-local"


def test_mongod_runs_the_release_image_as_replica_set_member_on_all_interfaces(example_manifests):
    mongod = container_named(find(example_manifests, "StatefulSet", "mongo"), "mongod")
    assert mongod["image"] == "mongo:3.7.2", "release 2.4.5.3's mongo"
    # 3.6+ binds to localhost unless told; `--bind_ip 0.0.0.0` means all interfaces for 3.4 as well.
    assert mongod["args"] == ["mongod", "--replSet", "rs0", "--bind_ip", "0.0.0.0", "--port", "27017", "--dbpath", "/data/db"]
    forbidden = {"--bind_ip_all", "--smallfiles", "--noprealloc"}  # unknown to 3.4, or removed in later releases
    assert not forbidden & set(mongod["args"])
    assert {m["mountPath"] for m in mongod["volumeMounts"]} == {"/data/db", "/tmp"}
    assert mongod["securityContext"]["runAsUser"] == 999
    assert mongod["resources"]["requests"] == {"cpu": "250m", "memory": "512Mi"}


def test_every_mongo_container_runs_the_same_image(example_manifests):
    images = {c["image"] for kind, name in (("StatefulSet", "mongo"), ("Job", "mongo-rs-init"), ("CronJob", "mongo-backup"),
                                            ("CronJob", "mongo-restore"))
              for c in pod_spec(find(example_manifests, kind, name))["containers"]}
    assert images == {"mongo:3.7.2"}
    assert container_named(find(example_manifests, "DaemonSet", "osis"), "wait-for-mongo")["image"] == "mongo:3.7.2"


def test_probes_use_the_legacy_mongo_shell(example_manifests):
    mongod = container_named(find(example_manifests, "StatefulSet", "mongo"), "mongod")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        command = mongod[probe]["exec"]["command"]
        assert command[0] == "mongo" and "mongosh" not in command and "hello" not in " ".join(command)
    assert "db.isMaster()" in mongod["readinessProbe"]["exec"]["command"][-1]


def test_updates_roll_one_member_at_a_time_and_keep_a_majority(example_manifests):
    stateful_set = find(example_manifests, "StatefulSet", "mongo")
    assert stateful_set["spec"]["podManagementPolicy"] == "OrderedReady"
    assert stateful_set["spec"]["updateStrategy"]["type"] == "RollingUpdate"
    budget = find(example_manifests, "PodDisruptionBudget", "mongo")
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "mongo"


def test_headless_service_publishes_not_ready_members(example_manifests):
    service = find(example_manifests, "Service", "mongo")
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["publishNotReadyAddresses"] is True
    assert service["spec"]["ports"][0]["port"] == 27017
    assert not [s for s in find_all(example_manifests, "Service") if s["metadata"]["name"].startswith("mongo-")]


def test_only_members_jobs_and_declared_dependents_reach_27017(example_manifests):
    names = sorted(p["metadata"]["name"] for p in find_all(example_manifests, "NetworkPolicy")
                   if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "mongo")
    assert names == ["mongo-from-mongo", "mongo-from-mongo-backup", "mongo-from-mongo-rs-init", "mongo-from-osis"]
    for name in names:
        ports = find(example_manifests, "NetworkPolicy", name)["spec"]["ingress"][0]["ports"]
        assert ports == [{"port": 27017, "protocol": "TCP"}]


def test_init_job_is_rerunnable_and_runs_the_script_from_a_config_map(example_manifests):
    job = find(example_manifests, "Job", "mongo-rs-init")
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    runner = container_named(job, "rs-init")
    assert runner["command"] == ["sh", "/scripts/mongo-rs-init.sh"]
    data = find(example_manifests, "ConfigMap", "mongo-rs-init")["data"]
    assert data["mongo-rs-init.js"] == (SCRIPTS / "mongo-rs-init.js").read_text()
    order = [(d["kind"], d["metadata"]["name"]) for d in example_manifests]
    assert order.index(("StatefulSet", "mongo")) < order.index(("Job", "mongo-rs-init"))


def test_backup_cron_job_dumps_the_set_with_oplog(example_manifests):
    cron_job = find(example_manifests, "CronJob", "mongo-backup")
    assert cron_job["spec"]["schedule"] == "30 2 * * *"
    assert cron_job["spec"]["concurrencyPolicy"] == "Forbid"
    runner = container_named(cron_job, "mongo-backup")
    assert runner["command"] == ["sh", "/scripts/mongo-backup.sh"]
    env = {e["name"]: e["value"] for e in runner["env"]}
    assert env["MONGO_HOSTS"].startswith("rs0/mongo-0.mongo.openvcloud.svc.cluster.local:27017,")
    assert env["RETENTION_DAYS"] == "7"
    scripts = find(example_manifests, "ConfigMap", "mongo-backup")["data"]
    assert "--oplog --gzip --archive=" in scripts["mongo-backup.sh"]
    volume = [v for v in pod_spec(cron_job)["volumes"] if v["name"] == "backup"][0]
    assert volume["hostPath"] == {"path": "/var/ovc/backups/mongodb", "type": "Directory"}


def test_restore_is_suspended_and_triggered_by_the_operator(example_manifests):
    restore = find(example_manifests, "CronJob", "mongo-restore")
    assert restore["spec"]["suspend"] is True
    assert container_named(restore, "mongo-restore")["command"] == ["sh", "/scripts/mongo-restore.sh"]
    assert pod_spec(restore)["restartPolicy"] == "Never"


def test_backups_are_synced_to_every_node(example_manifests):
    synced = {v["hostPath"]["path"] for v in pod_spec(find(example_manifests, "DaemonSet", "billing-sync"))["volumes"] if "hostPath" in v}
    assert "/var/ovc/backups/mongodb" in synced and "/var/ovc/mongodb" not in synced


def test_connection_uri_and_service_for_dependents():
    built = {}
    synth_construct(lambda chart: built.setdefault("mongo", ReplicatedMongo(chart, "mongo", site=site(3))))
    mongo = built["mongo"]
    assert mongo.connection_uri == (
        "mongodb://mongo-0.mongo.openvcloud.svc.cluster.local:27017,mongo-1.mongo.openvcloud.svc.cluster.local:27017,"
        "mongo-2.mongo.openvcloud.svc.cluster.local:27017/?replicaSet=rs0"
    )
    assert mongo.service.name == "mongo"


def test_access_control_adds_keyfile_bootstrap_sidecar_and_credentials():
    out = synth_construct(lambda chart: ReplicatedMongo(chart, "mongo", site=site(3), auth=MongoAuth(secret_name="mongo-auth")))
    stateful_set = find(out, "StatefulSet", "mongo")
    mongod = container_named(stateful_set, "mongod")
    assert mongod["args"][-2:] == ["--keyFile", "/keyfile/keyfile"]
    assert "chmod 0400 /keyfile/keyfile" in container_named(stateful_set, "install-keyfile")["command"][-1]
    bootstrap = container_named(stateful_set, "bootstrap")
    assert bootstrap["command"] == ["sh", "/scripts/mongo-bootstrap.sh"]
    assert "exec" in bootstrap["readinessProbe"], "the sidecar never holds back the member's readiness"
    volumes = {v["name"]: v for v in pod_spec(stateful_set)["volumes"]}
    assert volumes["auth"]["secret"]["secretName"] == "mongo-auth"
    for kind, name in (("Job", "mongo-rs-init"), ("CronJob", "mongo-backup"), ("CronJob", "mongo-restore")):
        assert {"name": "auth", "mountPath": "/auth", "readOnly": True} in pod_spec(find(out, kind, name))["containers"][0]["volumeMounts"]
    assert find(out, "ConfigMap", "mongo-bootstrap")["data"]["mongo-rs-plan.js"] == (SCRIPTS / "mongo-rs-plan.js").read_text()


def test_g8_chart_runs_without_access_control(example_manifests):
    mongod = container_named(find(example_manifests, "StatefulSet", "mongo"), "mongod")
    assert "--keyFile" not in mongod["args"]
    assert [c["name"] for c in pod_spec(find(example_manifests, "StatefulSet", "mongo"))["containers"]] == ["mongod"]


@pytest.mark.parametrize("count", [1, 2])
def test_fewer_than_three_nodes_is_a_clear_error(count):
    with pytest.raises(ValueError, match=rf"ReplicatedMongo needs at least 3 controller nodes .* got {count}"):
        synth_construct(lambda chart: ReplicatedMongo(chart, "mongo", site=site(count)))


# ---------------------------------------------------------------- the init script's decision logic
NODE = shutil.which("node")
HOSTS = [f"mongo-{i}.mongo.ns.svc.cluster.local:27017" for i in range(3)]


def plan(desired, observed, primary_config, access_control=False):
    harness = (
        f"const {{planReplicaSet}} = require({json.dumps(str(SCRIPTS / 'mongo-rs-plan.js'))});"
        f"console.log(JSON.stringify(planReplicaSet('rs0', {json.dumps(desired)}, {json.dumps(observed)}, "
        f"{json.dumps(primary_config)}, {json.dumps(access_control)})));"
    )
    result = subprocess.run([NODE, "-e", harness], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def fresh(host):
    return {"host": host, "isMaster": {"ismaster": False, "secondary": False, "isreplicaset": True}}


def member(host, primary):
    return {"host": host, "isMaster": {"setName": "rs0", "ismaster": host == primary, "primary": primary}}


@pytest.mark.skipif(NODE is None, reason="node is required for the JavaScript unit tests")
class TestReplicaSetPlan:
    def test_new_set_is_initiated_with_every_member(self):
        result = plan(HOSTS, [fresh(h) for h in HOSTS], None)
        assert result["action"] == "initiate"
        assert result["config"] == {"_id": "rs0", "members": [{"_id": i, "host": h} for i, h in enumerate(HOSTS)]}

    def test_existing_complete_set_is_left_alone(self):
        config = {"_id": "rs0", "version": 1, "members": [{"_id": i, "host": h} for i, h in enumerate(HOSTS)]}
        assert plan(HOSTS, [member(h, HOSTS[1]) for h in HOSTS], config)["action"] == "none"

    def test_grown_set_adds_only_missing_members_with_new_ids(self):
        grown = HOSTS + ["mongo-3.mongo.ns.svc.cluster.local:27017", "mongo-4.mongo.ns.svc.cluster.local:27017"]
        config = {"_id": "rs0", "version": 3, "members": [{"_id": i, "host": h} for i, h in enumerate(HOSTS)]}
        observed = [member(h, HOSTS[0]) for h in HOSTS] + [fresh(h) for h in grown[3:]]
        result = plan(grown, observed, config)
        assert result["action"] == "add"
        assert result["add"] == [{"_id": 3, "host": grown[3]}, {"_id": 4, "host": grown[4]}]

    def test_beyond_seven_members_the_others_neither_vote_nor_become_primary(self):
        hosts = [f"mongo-{i}.mongo.ns.svc.cluster.local:27017" for i in range(9)]
        members = plan(hosts, [fresh(h) for h in hosts], None)["config"]["members"]
        assert [m.get("votes", 1) for m in members] == [1] * 7 + [0, 0], "MongoDB allows at most 7 voting members"
        assert all(m["priority"] == 0 for m in members[7:])
        config = {"_id": "rs0", "version": 2, "members": members[:8]}
        added = plan(hosts, [member(h, hosts[0]) for h in hosts[:8]] + [fresh(hosts[8])], config)["add"]
        assert added == [{"_id": 8, "host": hosts[8], "votes": 0, "priority": 0}]
        config = {"_id": "rs0", "version": 2, "members": members[:5]}
        added = plan(hosts, [member(h, hosts[0]) for h in hosts[:5]] + [fresh(h) for h in hosts[5:]], config)["add"]
        assert [m.get("votes", 1) for m in added] == [1, 1, 0, 0]

    def test_existing_set_without_primary_is_never_reinitiated(self):
        observed = [member(HOSTS[0], None), fresh(HOSTS[1]), fresh(HOSTS[2])]
        assert plan(HOSTS, observed, None)["action"] == "wait"

    def test_wiped_member_does_not_trigger_initiation(self):
        observed = [fresh(HOSTS[0]), member(HOSTS[1], HOSTS[1]), member(HOSTS[2], HOSTS[1])]
        config = {"_id": "rs0", "version": 1, "members": [{"_id": i, "host": h} for i, h in enumerate(HOSTS)]}
        assert plan(HOSTS, observed, config)["action"] == "none"

    def test_with_access_control_the_job_leaves_initiation_to_mongo_0(self):
        assert plan(HOSTS, [fresh(h) for h in HOSTS], None, access_control=True)["action"] == "wait"
        config = {"_id": "rs0", "version": 1, "members": [{"_id": i, "host": h} for i, h in enumerate(HOSTS[:2])]}
        grown = plan(HOSTS, [member(h, HOSTS[0]) for h in HOSTS[:2]] + [fresh(HOSTS[2])], config, access_control=True)
        assert grown["action"] == "add" and grown["add"] == [{"_id": 2, "host": HOSTS[2]}]

    def test_member_of_another_set_fails(self):
        observed = [{"host": HOSTS[0], "isMaster": {"setName": "other"}}, fresh(HOSTS[1]), fresh(HOSTS[2])]
        assert plan(HOSTS, observed, None)["action"] == "fail"
