"""Sync waves and ApplySet labels, derived from the dependency declarations (issue: apply order that survives any tool)."""
import cdk8s
import pytest

from ovc_constructs import G8Chart, load_environment
from ovc_constructs.component import COMPONENT_LABEL
from ovc_constructs.ordering import APPLYSET_LABEL, SYNC_OPTIONS_ANNOTATION, WAVE_ANNOTATION, applyset_id, waves

from .conftest import EXAMPLE


@pytest.fixture(scope="module")
def example():
    chart = G8Chart(cdk8s.Testing.app(), "be-g8-3", environment=load_environment(EXAMPLE))
    return chart, chart.to_json()


def wave(document) -> int:
    return int(document["metadata"]["annotations"][WAVE_ANNOTATION])


def test_applyset_id_is_kubectls():
    """The value kubectl's own tests expect for `--applyset=secret/my-set -n test`."""
    assert applyset_id("my-set", "test") == "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1"


def test_every_dependency_is_in_an_earlier_wave_than_its_dependents(example):
    chart, documents = example
    by_component = {}
    for document in documents:
        by_component.setdefault(document["metadata"]["labels"].get(COMPONENT_LABEL), set()).add(wave(document))
    assert all(len(w) == 1 for w in by_component.values()), f"one wave per component: {by_component}"
    component_wave = {name: w.pop() for name, w in by_component.items()}
    assert component_wave.pop(None) == 0, "the namespace-level objects come first"
    assert component_wave["host-directories"] == 0
    declared = 0
    for component in chart.components:
        for dependency in component.dependencies:
            declared += 1
            assert component_wave[dependency.name] < component_wave[component.name], f"{dependency.name} before {component.name}"
        if component.name != "host-directories":
            assert component_wave[component.name] >= 1, "after the host directories"
    assert declared >= 8
    assert (component_wave["mongo"], component_wave["osis"], component_wave["agentcontroller"], component_wave["portal"]) == (1, 2, 3, 4)


def test_file_order_agrees_with_the_waves(example):
    """kubectl applies in file order; Argo CD by wave: both give the same order."""
    chart, documents = example
    in_file_order = [wave(d) for d in documents]
    assert in_file_order == sorted(in_file_order)
    assert documents[0]["kind"] == "Namespace"
    first = {}
    for position, document in enumerate(documents):
        first.setdefault(document["metadata"]["labels"].get(COMPONENT_LABEL), position)
    for component in chart.components:
        for dependency in component.dependencies:
            assert first[dependency.name] < first[component.name], f"{dependency.name} before {component.name} in the file"


def test_no_object_carries_the_applyset_label_and_volumes_are_never_pruned_by_argo(example):
    """kubectl adds the ApplySet label itself and refuses input that has it; the volumes keep their data under Argo CD."""
    chart, documents = example
    assert chart.applyset_parent == "be-g8-3-applyset"
    assert all(APPLYSET_LABEL not in d["metadata"].get("labels", {}) for d in documents)
    volumes = [d for d in documents if d["kind"] == "PersistentVolume"]
    assert len(volumes) == 3
    assert all(d["metadata"]["annotations"][SYNC_OPTIONS_ANNOTATION] == "Prune=false,Delete=false" for d in volumes)
    assert not [d for d in documents if d["kind"] != "PersistentVolume" and SYNC_OPTIONS_ANNOTATION in d["metadata"]["annotations"]]


def test_every_object_of_a_component_carries_its_name(example):
    chart, documents = example
    chart_level = {("Namespace", "openvcloud"), ("ConfigMap", "g8-environment"), ("NetworkPolicy", "default-deny-ingress"),
                   ("ConfigMap", "system-config"), ("ConfigMap", "versions-manifest")}
    unlabelled = {(d["kind"], d["metadata"]["name"]) for d in documents if COMPONENT_LABEL not in d["metadata"]["labels"]}
    assert unlabelled == chart_level
    names = {c.name for c in chart.components}
    assert {d["metadata"]["labels"][COMPONENT_LABEL] for d in documents if COMPONENT_LABEL in d["metadata"]["labels"]} == names


def test_a_dependency_cycle_is_refused_with_its_path():
    class Node:
        def __init__(self, name):
            self.name, self.dependencies = name, []

    a, b, c = Node("a"), Node("b"), Node("c")
    a.dependencies, b.dependencies, c.dependencies = [b], [c], [a]
    with pytest.raises(ValueError, match="dependency cycle: a -> b -> c -> a"):
        waves([a])
