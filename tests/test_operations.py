"""Day-2 operations and pruning, against the synthesized G8: what would be scaled, patched, restarted, pruned
and kept (ovc_constructs/operations.py, docs/operations.md)."""
import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from ovc_constructs import component, ordering, operations
from ovc_constructs.cli import main
from ovc_constructs.operations import commands, components, prune_candidates, select
from ovc_constructs.review import object_key
from ovc_constructs.synth import split_volumes

from .conftest import EXAMPLE, ROOT, environment, example_data, nodes, synth
from .validators import load_documents, write_manifests

KUBECTL_APPLYSET_ID = "applyset-9VClMCAukQRq8xHexqbN-JBw03tS5vCOUaj1i7l1OaE-v1"
"""What kubectl 1.32 itself put on the objects of `apply --applyset=secret/be-g8-3-applyset -n openvcloud`."""
ROLLED = ("Deployment", "StatefulSet", "DaemonSet")


@pytest.fixture(scope="module")
def without_versions():
    """The example with one component (ovc-versions) disabled."""
    return synth(environment(ovc_versions={"enabled": False}))


@pytest.fixture(scope="module")
def four_controllers():
    """The example with a fourth controller, ctrl-04 (and so a fourth MongoDB volume)."""
    return synth(environment(nodes=example_data()["nodes"] + [nodes(4)[3]]))


@pytest.fixture(scope="module")
def manifest(example_manifests, tmp_path_factory):
    return write_manifests(example_manifests, tmp_path_factory.mktemp("dist") / "be-g8-3.k8s.yaml")


def keys(documents):
    return {object_key(d) for d in documents}


def labelled(documents, name):
    return [d for d in documents if d["metadata"].get("labels", {}).get(component.COMPONENT_LABEL) == name]


def script(documents, action, *names):
    return commands(action, select(components(documents, "be-g8-3"), list(names) or None, "be-g8-3"))


def kubectl(lines):
    """The command lines of a script, each split as the shell would."""
    return [shlex.split(line) for line in lines if not line.startswith("#")]


def wave_of(documents, ref):
    """The sync wave of `kind/name` (as kubectl names it, kind in lower case)."""
    [document] = [d for d in documents if f"{d['kind'].lower()}/{d['metadata']['name']}" == ref]
    return int(document["metadata"]["annotations"][ordering.WAVE_ANNOTATION])


# -- pruning -------------------------------------------------------------------------------------------------

def test_the_contract_names_are_the_ones_the_chart_uses():
    assert operations.COMPONENT_LABEL == component.COMPONENT_LABEL
    assert operations.WAVE_ANNOTATION == ordering.WAVE_ANNOTATION


def test_the_applyset_id_is_the_one_kubectl_computes():
    assert ordering.applyset_id(ordering.applyset_parent("be-g8-3"), "openvcloud") == KUBECTL_APPLYSET_ID


def test_kubectl_labels_the_objects_itself_so_the_manifest_does_not(example_manifests):
    """kubectl refuses input that already carries the ApplySet label ("already set in input data")."""
    assert all(ordering.APPLYSET_LABEL not in d["metadata"].get("labels", {}) for d in example_manifests)
    assert operations.VOLUME_KINDS == ordering.VOLUME_KINDS == ("PersistentVolume",)


def test_the_published_objects_file_holds_no_volume_and_the_volumes_file_only_volumes(manifest, example_manifests, tmp_path):
    objects = tmp_path / manifest.name
    objects.write_text(manifest.read_text())
    volumes = split_volumes(objects)
    assert volumes.name == "be-g8-3.volumes.k8s.yaml"
    published = load_documents(objects.read_text())
    assert [object_key(d) for d in published] == [object_key(d) for d in example_manifests if d["kind"] != "PersistentVolume"]
    assert [object_key(d) for d in load_documents(volumes.read_text())] == [
        object_key(d) for d in example_manifests if d["kind"] == "PersistentVolume"]


def test_disabling_a_component_prunes_exactly_its_objects(example_manifests, without_versions):
    candidates = prune_candidates(example_manifests, without_versions)
    assert keys(candidates) == keys(labelled(example_manifests, "ovc-versions")) == {
        ("", "ServiceAccount", "openvcloud", "ovc-versions"), ("", "ConfigMap", "openvcloud", "ovc-versions"),
        ("apps", "Deployment", "openvcloud", "ovc-versions"), ("", "Service", "openvcloud", "ovc-versions"),
        # its readers' admissions, which belong to it
        ("networking.k8s.io", "NetworkPolicy", "openvcloud", "ovc-versions-from-management"),
        ("networking.k8s.io", "NetworkPolicy", "openvcloud", "ovc-versions-from-portal")}
    assert prune_candidates(without_versions, example_manifests) == []  # enabling it again removes nothing


def test_removing_a_controller_prunes_nothing_and_keeps_its_volume(four_controllers, example_manifests):
    dropped = keys(four_controllers) - keys(example_manifests)
    assert dropped == {("", "PersistentVolume", "", "openvcloud-mongo-ctrl-04")}  # what a plain --prune would delete
    assert prune_candidates(four_controllers, example_manifests) == []


def test_no_prune_ever_deletes_a_volume(example_manifests):
    """Even a G8 whose every object is dropped keeps its PersistentVolumes."""
    candidates = prune_candidates(example_manifests, [])
    assert keys(candidates) == {object_key(d) for d in example_manifests if d["kind"] != "PersistentVolume"}
    assert any(d["kind"] == "PersistentVolume" for d in example_manifests)


def test_a_new_api_version_of_the_same_object_is_not_pruned():
    old = {"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget", "metadata": {"name": "mongo", "namespace": "openvcloud"}}
    moved = {**old, "apiVersion": "policy/v1"}
    regrouped = {**old, "apiVersion": "example.org/v1"}
    assert prune_candidates([old], [moved]) == []
    assert prune_candidates([old], [regrouped]) == [old]


# -- day-2 operations ----------------------------------------------------------------------------------------

def test_stop_mongo_scales_it_to_zero_and_suspends_its_backups_only(example_manifests):
    assert kubectl(script(example_manifests, "stop", "mongo")) == [
        ["kubectl", "-n", "openvcloud", "patch", "cronjob/mongo-backup", "--type=merge", "-p", '{"spec":{"suspend":true}}'],
        ["kubectl", "-n", "openvcloud", "scale", "statefulset/mongo", "--replicas=0"],
        ["kubectl", "-n", "openvcloud", "wait", "--for=delete", "pod", "-l",
         "app.kubernetes.io/instance=be-g8-3,app.kubernetes.io/name=mongo", "--timeout=10m"],
    ]  # mongo-restore is suspended in the manifest already: left alone; volumes, claims, Secrets never named


def test_start_mongo_gives_back_the_manifests_replicas_then_resumes_backups(example_manifests):
    statefulset = next(d for d in example_manifests if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "mongo")
    assert kubectl(script(example_manifests, "start", "mongo")) == [
        ["kubectl", "-n", "openvcloud", "scale", "statefulset/mongo", f"--replicas={statefulset['spec']['replicas']}"],
        ["kubectl", "-n", "openvcloud", "rollout", "status", "statefulset/mongo", "--timeout=10m"],
        ["kubectl", "-n", "openvcloud", "patch", "cronjob/mongo-backup", "--type=merge", "-p", '{"spec":{"suspend":false}}'],
    ]
    assert statefulset["spec"]["replicas"] == 3


def test_a_daemon_set_is_stopped_by_a_node_selector_no_node_matches(example_manifests):
    [patch, wait] = kubectl(script(example_manifests, "stop", "osis"))
    assert patch[3:5] == ["patch", "daemonset/osis"] and patch[5] == "--type=merge"
    assert yaml.safe_load(patch[7]) == {"spec": {"template": {"spec": {"nodeSelector": {"openvcloud.io/stopped": "true"}}}}}
    assert wait[3:6] == ["wait", "--for=delete", "pod"]
    [patch, status] = kubectl(script(example_manifests, "start", "osis"))
    assert yaml.safe_load(patch[7]) == {"spec": {"template": {"spec": {"nodeSelector": {"openvcloud.io/stopped": None}}}}}
    assert status[3:6] == ["rollout", "status", "daemonset/osis"]


def test_restart_portal_is_a_rollout_restart(example_manifests):
    assert kubectl(script(example_manifests, "restart", "portal")) == [
        ["kubectl", "-n", "openvcloud", "rollout", "restart", "daemonset/portal"],
        ["kubectl", "-n", "openvcloud", "rollout", "status", "daemonset/portal", "--timeout=10m"],
    ]


def touched(commands_, verbs):
    """(kind/name, position in the script) of each command whose verb is in `verbs`."""
    return [(argv[4], index) for index, argv in enumerate(commands_) if argv[3] in verbs]


def test_stop_all_stops_every_workload_dependents_first_and_deletes_nothing(example_manifests):
    lines = script(example_manifests, "stop")
    argvs = kubectl(lines)
    assert {argv[3] for argv in argvs} == {"scale", "patch", "wait"}  # no delete, no apply, no prune
    assert not [line for line in lines if re.search(r"\bdelete\b", line.replace("--for=delete", ""))]
    stopped = [ref for ref, _ in touched(argvs, ("scale", "patch"))]
    workloads = [f"{d['kind'].lower()}/{d['metadata']['name']}" for d in example_manifests if d["kind"] in ROLLED]
    backups = [f"cronjob/{d['metadata']['name']}" for d in example_manifests if d["kind"] == "CronJob" and not d["spec"].get("suspend")]
    assert sorted(stopped) == sorted(workloads + backups) and len(set(stopped)) == len(stopped)
    waves = [wave_of(example_manifests, ref) for ref in stopped]
    assert waves == sorted(waves, reverse=True) and len(set(waves)) > 2
    # A wave begins only after the previous one's pods are gone.
    for (ref, index), wave in zip(touched(argvs, ("scale", "patch")), waves):
        waited = {argv[7].rsplit("=", 1)[1] for argv in argvs[:index] if argv[3] == "wait"}  # app.kubernetes.io/name
        higher = {d["metadata"]["name"] for d in example_manifests if d["kind"] in ROLLED
                  and int(d["metadata"]["annotations"][ordering.WAVE_ANNOTATION]) > wave}
        assert waited >= higher, ref


def test_start_all_undoes_stop_all_dependencies_first(example_manifests):
    stop, start = kubectl(script(example_manifests, "stop")), kubectl(script(example_manifests, "start"))
    started = [ref for ref, _ in touched(start, ("scale", "patch"))]
    assert sorted(started) == sorted(ref for ref, _ in touched(stop, ("scale", "patch")))
    waves = [wave_of(example_manifests, ref) for ref in started]
    assert waves == sorted(waves) and waves[0] == 0
    assert not [argv for argv in start if argv[3] == "scale" and argv[5] == "--replicas=0"]
    assert {argv[3] for argv in start} == {"scale", "patch", "rollout"}


def test_status_names_every_workload_and_its_pods(example_manifests):
    argvs = kubectl(script(example_manifests, "status", "mongo"))
    assert argvs == [
        ["kubectl", "-n", "openvcloud", "get", "statefulset/mongo", "job/mongo-rs-init", "cronjob/mongo-backup", "cronjob/mongo-restore",
         "--ignore-not-found"],
        ["kubectl", "-n", "openvcloud", "get", "pod", "-l", "app.kubernetes.io/instance=be-g8-3,app.kubernetes.io/name=mongo", "-o", "wide"],
    ]


# -- the command line ----------------------------------------------------------------------------------------

def run(*args):
    """The CLI in a child process, which also reports whether it loaded cdk8s."""
    probe = ("import sys; from ovc_constructs.cli import main; code = main(sys.argv[1:]); "
             "print('cdk8s loaded' if 'cdk8s' in sys.modules else '', file=sys.stderr, end=''); sys.exit(code)")
    return subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})


def test_the_cli_reads_a_manifest_without_cdk8s(manifest, example_manifests):
    result = run("ops", "stop", "mongo", "--manifest", str(manifest))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines() == script(example_manifests, "stop", "mongo")


def test_an_unknown_component_is_one_line_naming_the_known_ones(manifest, example_manifests, capsys):
    assert main(["ops", "stop", "mongo", "mango", "--manifest", str(manifest)]) == 2
    output = capsys.readouterr()
    assert output.out == ""
    [line] = output.err.splitlines()
    known = sorted(components(example_manifests, "x"))
    assert line == f"{manifest}: unknown component 'mango'; known: {', '.join(known)}"
    assert {"mongo", "osis", "portal", "host-directories"} <= set(known)


@pytest.mark.parametrize("arguments", [["stop"], ["restart", "portal", "--all"], ["status", "osis", "--all"]])
def test_names_or_all_exactly_one_of_them(manifest, capsys, arguments):
    with pytest.raises(SystemExit) as exit_:
        main(["ops", *arguments, "--manifest", str(manifest)])
    assert exit_.value.code == 2
    assert "name the components, or give --all" in capsys.readouterr().err


def test_a_file_that_is_not_a_manifest_is_refused_in_one_line(tmp_path, capsys):
    unlabelled = "kind: ConfigMap\nmetadata: {name: x}\napiVersion: v1\n"
    without_wave = "kind: Service\nmetadata: {name: osis, labels: {openvcloud.io/component: osis}}\napiVersion: v1\n"
    for text, message in (("a: [b\n", "not YAML"), (unlabelled, "no object carries"),
                          (without_wave, "Service/osis: not as this version synthesizes it")):
        path = tmp_path / "bad.k8s.yaml"
        path.write_text(text)
        assert main(["ops", "status", "--manifest", str(path)]) == 2
        [line] = capsys.readouterr().err.splitlines()
        assert line.startswith(f"{path}: ") and message in line


def test_env_synthesizes_the_same_manifest_in_memory(manifest, capsys):
    assert main(["ops", "start", "--all", "--manifest", str(manifest)]) == 0
    from_file = capsys.readouterr().out
    assert main(["ops", "start", "--all", "--env", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == from_file


# -- the documentation ---------------------------------------------------------------------------------------

def test_the_operations_page_shows_the_commands_the_code_prints(manifest, capsys):
    """Every `$ ... ops ...` transcript on the page is what the command prints; the apply command is the contract's."""
    page = (ROOT / "docs" / "operations.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", page, re.S)
    transcripts = [found for block in blocks
                   for found in re.findall(r"^\$ \.venv/bin/python -m ovc_constructs (ops .*)\n((?:[^$\n].*\n)*)", block, re.M)]
    assert len(transcripts) >= 5
    for command, shown in transcripts:
        argv = [str(manifest) if arg == "dist/be-g8-3.k8s.yaml" else arg for arg in shlex.split(command)]
        assert main(argv) == 0
        assert capsys.readouterr().out == shown, command
    parent = ordering.applyset_parent("be-g8-3")
    apply = (f"KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=secret/{parent} "
             "-n openvcloud -f dist/be-g8-3.k8s.yaml")
    assert apply in "\n".join(blocks)


def test_the_operations_page_lists_the_examples_waves(example_manifests):
    page = (ROOT / "docs" / "operations.md").read_text()
    rows = dict(re.findall(r"^\| (\d+) \| ([a-z, -]+) \|$", page, re.M))
    waves = {}
    for name, found in components(example_manifests, "be-g8-3").items():
        waves.setdefault(str(found.wave), []).append(name)
    assert {wave: sorted(names.split(", ")) for wave, names in rows.items()} == {w: sorted(n) for w, n in waves.items()}
