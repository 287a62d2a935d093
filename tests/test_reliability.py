"""Reliability over the synthesized output: node loss, nothing lost, safe upgrades, capacity."""
import re
from fractions import Fraction

import pytest
import yaml

from ovc_constructs import load_environment

from .conftest import POD_OWNERS, ROOT, VARIANTS, environment, find, find_all, pod_spec, synth

SUFFIX = {"m": Fraction(1, 1000), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value: str) -> Fraction:
    number, unit = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value)).groups()
    return Fraction(number) * SUFFIX.get(unit, 1)


def allowed_nodes(doc: dict, controllers: list[str]) -> set[str]:
    """Nodes the required node affinity admits (every controller carries the PXE label in this analysis)."""
    terms = pod_spec(doc)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    admitted = set()
    for term in terms:
        names = set(controllers)
        for expression in term["matchExpressions"]:
            if expression["key"] == "kubernetes.io/hostname":
                names &= set(expression["values"])
        admitted |= names
    return admitted


def synced_paths(docs) -> set[str]:
    sync = [d for d in docs if d["kind"] == "DaemonSet" and d["metadata"]["name"] == "billing-sync"]
    return {v["hostPath"]["path"] for v in pod_spec(sync[0])["volumes"] if "hostPath" in v} if sync else set()


def replicated(path: str, synced: set[str]) -> bool:
    return any(path == s or path.startswith(s + "/") for s in synced)


@pytest.mark.parametrize("variant", ["be-g8-3", "be-conv-1", "five-nodes", "privileged-pxe-all-pods"])
def test_losing_any_one_controller_node(all_outputs, variant, record_property):
    cases = 0
    docs = all_outputs[variant]
    controllers = find(docs, "ConfigMap", "g8-environment")["data"]["G8_CONTROLLER_NODES"].split()
    synced = synced_paths(docs)
    mongo = find(docs, "StatefulSet", "mongo")
    members = mongo["spec"]["replicas"]
    majority = members // 2 + 1
    anti = pod_spec(mongo)["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    budget = find(docs, "PodDisruptionBudget", "mongo")["spec"]["maxUnavailable"]
    for lost in controllers:
        remaining = set(controllers) - {lost}
        # At most one member per node, so one member is lost and the majority survives.
        assert members - 1 >= majority, (variant, lost)
        cases += 1
        # Draining the node is allowed (one member) and the budget never lets the majority go.
        assert budget >= 1 and members - budget >= majority
        cases += 1
        for doc in docs:
            if doc["kind"] not in ("Deployment", "DaemonSet"):
                continue
            where = f"{variant}: {doc['kind']}/{doc['metadata']['name']} without {lost}"
            spec = pod_spec(doc)
            assert "nodeName" not in spec and "nodeSelector" not in spec, where
            admitted = allowed_nodes(doc, controllers)
            if doc["kind"] == "DaemonSet":
                assert remaining <= admitted, f"{where}: per-node service does not run on every other node"
            else:
                assert admitted & remaining, f"{where}: cannot be scheduled elsewhere"
                for volume in spec.get("volumes", []):
                    if "hostPath" in volume and volume["hostPath"].get("type") != "CharDevice":  # qa's /dev/net/tun
                        assert replicated(volume["hostPath"]["path"], synced), f"{where}: {volume['hostPath']['path']} is not replicated"
            cases += 1
    record_property("node_loss_cases", cases)  # for the run's summary line (conftest.py)


RETENTION = "find \"$dir\" -maxdepth 1 -type f -name 'mongo-*.archive.gz' -mtime +\"$RETENTION_DAYS\" -print -exec rm -f {} \\;"
OPERATOR_DROP = '[ "${DROP:-no}" = "yes" ] && drop="--drop"'


def job_script_lines(doc, docs) -> list[str]:
    """Every line a Job or CronJob runs: its commands and the scripts mounted from ConfigMaps."""
    spec = pod_spec(doc)
    texts = [" ".join(c.get("command", []) + c.get("args", [])) for c in spec["containers"] + spec.get("initContainers", [])]
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            texts += find(docs, "ConfigMap", volume["configMap"]["name"])["data"].values()
    return [line.strip() for text in texts for line in text.splitlines()]


DESTRUCTIVE = re.compile(r"\brm\b|-delete\b|--drop\b|dropDatabase|DROP DATABASE|\bdrop\(|replSetReconfig.*force")


HOST_WRITERS = {
    # mkdir, chown and chmod only (test_host_directories runs it); it never writes or deletes a file.
    "host-directories/prepare": r"/var/ovc/.*",
    # The TFTP tree and install images it owns: the image's boot files and our boot entries (test_pxeboot runs it);
    # never the leases or the apt repository.
    "pxeboot/pxeboot-init": r"/var/ovc/pxeboot/(tftpboot|images)",
    # id_rsa and id_rsa.pub from the Secret and the environment; it only adds to authorized_keys (tested).
    "host-directories/install-ssh-key": r"/var/ovc/\.ssh",
}
"""Init containers that may overwrite what they write on a host path, and the host paths they own."""


def test_nothing_is_lost(all_outputs):
    for name, docs in all_outputs.items():
        # The steps that run before every start (dependency waits, the system config merge, the JumpScale
        # configuration, seeding) never delete and never write a host path except to add missing files.
        for doc in docs:
            if doc["kind"] not in POD_OWNERS:
                continue
            spec = pod_spec(doc)
            volumes = {v["name"]: v for v in spec.get("volumes", [])}
            for init in spec.get("initContainers", []):
                where = f"{name}: {doc['metadata']['name']}/{init['name']}"
                script = " ".join(init.get("command", []) + init.get("args", []))
                assert not DESTRUCTIVE.search(script), f"{where}: {script}"
                for mount in init.get("volumeMounts", []):
                    if "hostPath" in volumes[mount["name"]] and not mount.get("readOnly"):
                        path = volumes[mount["name"]]["hostPath"]["path"]
                        owned = HOST_WRITERS.get(f"{doc['metadata']['name']}/{init['name']}")
                        if owned is not None:
                            assert re.fullmatch(owned, path), f"{where} writes {path}, which it does not own"
                        else:
                            assert re.search(r"\bcp -an\b", script), f"{where} writes {path}"
                if init["name"] in ("merge-system-config", "system-init"):
                    written = {kind for m in init["volumeMounts"] if not m.get("readOnly") for kind in volumes[m["name"]] if kind != "name"}
                    assert written <= {"emptyDir"}, f"{where} writes {written}"
        for storage_class in find_all(docs, "StorageClass"):
            assert storage_class["reclaimPolicy"] == "Retain", name
        for volume in find_all(docs, "PersistentVolume"):
            assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain", name
        for doc in docs:
            if doc["kind"] not in ("Job", "CronJob"):
                continue
            for line in job_script_lines(doc, docs):
                if line.startswith("#"):
                    continue
                destructive = DESTRUCTIVE.search(line)
                # The only deletions: backup retention (old archives, after a new one was written) and the
                # restore's --drop, which the operator must ask for.
                assert not destructive or line in (RETENTION, OPERATOR_DROP), f"{name}: {doc['metadata']['name']}: {line}"


DIGEST = "@sha256:" + "cd" * 32
IMAGE_BUMPS = {"mongo": "3.7.3", "openvcloud/cb_master": "2.4.5.4", "openvcloud/nginx": "2.4.6", "redis": "3.2.12",
               "syncthing/syncthing": "0.14.52", "influxdb": "1.4.3" + DIGEST, "grafana/grafana": "5.0.4"}
"""A release bump through `release.images`: seven images, one of them newly pinned by digest."""
DIGEST_SKIPS = ("CKV_K8S_43=", "CKV_K8S_15=")


def without_versions(value, key=None):
    """A document with what an image bump may change taken out: image references, version labels, config
    checksums and the digest skips (pinning by digest removes them); every other field must stay."""
    if isinstance(value, dict):
        if key == "annotations":
            skips = sorted(v for k, v in value.items() if k.startswith("checkov.io/skip") and not v.startswith(DIGEST_SKIPS))
            kept = {k: v for k, v in value.items() if not k.startswith(("checkov.io/skip", "checksum/"))}
            return {**kept, "checkov skips": skips}
        return {k: without_versions(v, k) for k, v in value.items() if k != "app.kubernetes.io/version"}
    if isinstance(value, list):
        return [without_versions(v) for v in value]
    return "<image>" if key == "image" else value


def test_image_upgrades_roll_safely_and_change_nothing_immutable():
    before = {(d["kind"], d["metadata"]["name"]): d for d in synth(environment())}
    after = {(d["kind"], d["metadata"]["name"]): d for d in synth(environment(release={"images": IMAGE_BUMPS}))}
    assert before.keys() == after.keys()
    changed = {key for key in before if before[key] != after[key]}
    assert {("StatefulSet", "mongo"), ("DaemonSet", "osis"), ("DaemonSet", "portal"), ("ConfigMap", "versions-manifest"),
            ("Deployment", "ovc-versions")} <= changed
    # The system config holds no image: the merge step and every JumpScale pod read the same file after the bump.
    assert ("ConfigMap", "system-config") not in changed and ("ConfigMap", "g8-environment") not in changed
    for key in changed:
        old, new = before[key], after[key]
        if key != ("ConfigMap", "versions-manifest"):
            assert without_versions(old) == without_versions(new), f"{key}: an image bump changed more than images and versions"
        if key[0] in ("StatefulSet", "Deployment", "DaemonSet"):
            assert old["spec"]["selector"] == new["spec"]["selector"], f"{key}: selectors are immutable"
        if key[0] == "StatefulSet":
            assert new["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
            assert new["spec"]["podManagementPolicy"] == "OrderedReady"
            assert old["spec"]["volumeClaimTemplates"] == new["spec"]["volumeClaimTemplates"], "claim templates are immutable"
        elif key[0] == "DaemonSet":
            assert new["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
        elif key[0] == "Deployment":
            assert new["spec"]["strategy"] == {"type": "Recreate"}, f"{key}: single writers are replaced, never doubled"
        elif key[0] == "Job":
            # A Job's pod template is immutable: a finished Job must be gone before the new one is applied.
            assert new["spec"]["ttlSecondsAfterFinished"] > 0, f"{key}: a changed Job template cannot be applied over the old Job"
    docs = list(after.values())
    mongo = find(docs, "StatefulSet", "mongo")
    assert pod_spec(mongo)["containers"][0]["image"] == "mongo:3.7.3"
    assert mongo["metadata"]["labels"]["app.kubernetes.io/version"] == "3.7.3"
    osis = pod_spec(find(docs, "DaemonSet", "osis"))
    assert {c["image"] for c in osis["containers"] + osis["initContainers"] if c["name"] != "wait-for-mongo"} == {"openvcloud/cb_master:2.4.5.4"}
    assert pod_spec(find(docs, "Deployment", "influxdb"))["containers"][0]["image"] == "influxdb:1.4.3" + DIGEST
    manifest = yaml.safe_load(find(docs, "ConfigMap", "versions-manifest")["data"]["versions-manifest.yaml"])
    assert {name: manifest["images"][name] for name in IMAGE_BUMPS} == IMAGE_BUMPS


def pod_requests(doc) -> tuple[Fraction, Fraction]:
    """A pod's effective request: the larger of its containers' sum and its largest init container."""
    spec = pod_spec(doc)

    def total(containers, resource):
        return [quantity(c["resources"]["requests"][resource]) for c in containers]

    cpu = max(sum(total(spec["containers"], "cpu")), max(total(spec.get("initContainers", []), "cpu"), default=0))
    memory = max(sum(total(spec["containers"], "memory")), max(total(spec.get("initContainers", []), "memory"), default=0))
    return cpu, memory


def worst_case_requests(docs) -> tuple[Fraction, Fraction]:
    """One node's worst case: every per-node pod, one mongo member, and every single instance (the others failed)."""
    resident = [d for d in docs if d["kind"] in ("DaemonSet", "Deployment")] + [find(docs, "StatefulSet", "mongo")]
    return sum(pod_requests(d)[0] for d in resident), sum(pod_requests(d)[1] for d in resident)


def cpuset_size(cpuset: str) -> int:
    """`0-3,6` -> 5 CPUs."""
    return sum(int(end or start) - int(start) + 1 for start, end in re.findall(r"(\d+)(?:-(\d+))?", cpuset))


def pod_capacity(env) -> tuple[Fraction, Fraction]:
    """What one controller gives the G8's pods: `node_capacity`, within the installer's pods cgroup (`limits.pods`:
    a cpuset and GB, contract §7) when the environment sets one."""
    cpu, memory = quantity(env.node_capacity.cpu), quantity(env.node_capacity.memory)
    pods = env.limits.pods if env.limits else None
    if pods and pods.cpu:
        cpu = min(cpu, Fraction(cpuset_size(pods.cpu)))
    if pods and pods.memory:
        memory = min(memory, Fraction(pods.memory * 10**9))
    return cpu, memory


def environment_of(variant: str):
    path = ROOT / "apps" / "environments" / f"{variant}.yaml"
    return load_environment(path) if path.exists() else VARIANTS[variant]()


@pytest.mark.parametrize("variant", ["be-g8-3", "be-conv-1", "privileged-pxe-all-pods"])
def test_worst_case_requests_fit_one_controller_node(all_outputs, variant):
    docs = all_outputs[variant]
    capacity_cpu, capacity_memory = pod_capacity(environment_of(variant))
    every_container_has_limits = all(
        "limits" in c["resources"] and "requests" in c["resources"]
        for d in docs if d["kind"] in POD_OWNERS for c in pod_spec(d)["containers"] + pod_spec(d).get("initContainers", []))
    assert every_container_has_limits
    cpu, memory = worst_case_requests(docs)
    assert cpu <= capacity_cpu, f"{float(cpu)} CPU requested on one node, capacity {float(capacity_cpu)}"
    assert memory <= capacity_memory, f"{float(memory) / 2**30:.2f} GiB requested on one node, capacity {float(capacity_memory) / 2**30:.2f} GiB"


def test_capacity_check_can_fail(all_outputs):
    cpu, memory = worst_case_requests(all_outputs["be-g8-3"])
    assert cpu > quantity("500m") and memory > quantity("512Mi"), "a small node would be reported as too small"
    small = environment(limits={"pods": {"cpu": "0", "memory": 1}})
    assert pod_capacity(small) == (1, 10**9) and (cpu > 1 or memory > 10**9), "a small pods cgroup would be reported as too small"
