"""Objects from plain JSON (manifest.py): the bodies a chart holds in Python render exactly as cdk8s's own JSON patches."""
import json
import subprocess
import sys
import textwrap

import cdk8s
import pytest

from ovc_constructs import Component, OsisDaemon, ReplicatedMongo
from ovc_constructs.environment import resources
from ovc_constructs.manifest import HeldBodies, api_object, sanitize
from ovc_constructs.pods import container, security_context

from .conftest import find, site, system_config


class HoldingChart(cdk8s.Chart):
    """A chart that attaches held bodies when it renders, as G8Chart does."""

    def __init__(self, scope, id, **kwargs):
        super().__init__(scope, id, **kwargs)
        self.held = HeldBodies.install(self)

    def to_json(self):
        return self.held.attach(super().to_json())


class Plain(Component):
    """A component without init containers: a later dependency creates the list."""

    default_name = "plain"
    role = "test"

    def __init__(self, scope, id, *, site):
        super().__init__(scope, id, site=site, name=None, image="busybox:1.36")
        app = container("app", "busybox:1.36", resources=resources("10m", "16Mi", "100m", "64Mi"), security=security_context())
        self.deployment(self.pod_template(containers=[app]))


def build(chart_class) -> list[dict]:
    chart = chart_class(cdk8s.Testing.app(), "orders", namespace="orders", disable_resource_name_hashes=True)
    mongo = ReplicatedMongo(chart, "db", site=site(3))
    config = system_config(chart)
    osis = OsisDaemon(chart, "osis", mongo=mongo, system_config=config)
    later = OsisDaemon(chart, "osis-b", mongo=mongo, system_config=config, name="osis-b")
    # After construction: a wait inserted among the init containers, and a suppression on an object with some.
    later.depends_on(osis)
    Plain(chart, "plain", site=site(3)).depends_on(mongo)
    later.skip_check("CKV_K8S_21", "a reason given after construction")
    osis.skip_check("CKV_K8S_21", "another", on=osis.service_account)
    annotated = api_object(osis, "annotated", api_version="v1", kind="ConfigMap", name="annotated",
                           annotations={"zz.example/kept": "yes"}, body={"data": {"b": "2", "a": "1"}})
    osis.skip_check("CKV_K8S_21", "an object with annotations of its own", on=annotated)
    return cdk8s.Testing.synth(chart)


def test_held_bodies_render_byte_for_byte_as_cdk8s_patches():
    patched, held = build(cdk8s.Chart), build(HoldingChart)
    assert json.dumps(held) == json.dumps(patched)
    osis_b = find(held, "DaemonSet", "osis-b")
    init = [c["name"] for c in osis_b["spec"]["template"]["spec"]["initContainers"]]
    assert init[:2] == ["wait-for-mongo", "wait-for-osis"], "waits first, in declaration order"
    assert osis_b["metadata"]["annotations"][next(reversed(osis_b["metadata"]["annotations"]))].startswith("CKV_K8S_21=")
    plain = find(held, "Deployment", "plain")["spec"]["template"]["spec"]
    assert [c["name"] for c in plain["initContainers"]] == ["wait-for-mongo"] and list(plain)[-1] == "initContainers"
    assert "namespace" not in find(held, "PersistentVolume", "orders-mongo-ctrl-01")["metadata"]
    assert find(held, "ServiceAccount", "osis")["metadata"]["annotations"] == {"checkov.io/skip1": "CKV_K8S_21=another"}
    assert list(find(held, "ConfigMap", "annotated")["metadata"]["annotations"]) == ["checkov.io/skip1", "zz.example/kept"]


def test_sanitize_leaves_out_nulls_and_sorts_keys_at_every_depth():
    value = {"b": 1, "a": None, "c": [{"z": None, "y": {"x": 2, "w": None}}], "d": {}}
    assert json.dumps(sanitize(value)) == '{"b": 1, "c": [{"y": {"x": 2}}], "d": {}}'


def test_two_objects_of_one_kind_and_name_are_refused_in_a_holding_chart():
    chart = HoldingChart(cdk8s.Testing.app(), "c", namespace="n")
    api_object(chart, "a", api_version="v1", kind="ConfigMap", name="same", body={"data": {}})
    with pytest.raises(ValueError, match="two ConfigMap objects named 'same' in one chart"):
        api_object(chart, "b", api_version="v1", kind="ConfigMap", name="same", body={"data": {}})


def test_a_g8_synth_never_loads_cdk8s_plus_and_a_late_import_is_explained():
    """cdk8s-plus costs a synth ~0.2 s: loaded only by programs that use it, which must load it before the components."""
    program = textwrap.dedent("""
        import sys, cdk8s
        from ovc_constructs import G8Chart, load_environment
        chart = G8Chart(cdk8s.Testing.app(), "g8", environment=load_environment("apps/environments/be-g8-3.yaml"))
        cdk8s.Testing.synth(chart)
        assert "cdk8s_plus_27" not in sys.modules, "a G8 synth loaded cdk8s-plus"
        import cdk8s_plus_27 as kplus
        try:
            chart.mongo.allow_from(kplus.Pods.all(chart, "all"))
        except TypeError as error:
            print(error)
    """)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ("mongo.allow_from: it was built before cdk8s_plus_27 was imported, so cdk8s-plus cannot "
                                     "select its pods; import cdk8s_plus_27 before building the components")
