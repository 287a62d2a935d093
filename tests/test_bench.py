"""The benchmark keeps measuring: its case runner runs and its round-trip counter counts (never how fast)."""
import cdk8s

from bench.synth_bench import RoundTrips, per_object, run


def test_bare_case_runs_in_its_own_interpreter_and_reports_its_measures():
    result = run("bare", 1)
    assert set(result) == {"import_s", "total_s", "cpu_s", "documents", "python_peak_mib", "node_peak_mib", "kinds", "targets"}
    assert result["documents"] == 1  # one cdk8s-plus Deployment
    assert result["kinds"]["load"] > 0 and result["kinds"]["create"] > 0
    assert result["targets"]["create cdk8s-plus-27.Deployment"] == 1
    assert per_object(result) == sum(result["kinds"].values()) - result["kinds"]["load"]
    assert result["python_peak_mib"] > 0 and result["node_peak_mib"] > 0


def test_round_trips_count_each_request_by_kind_and_target():
    chart = cdk8s.Chart(cdk8s.App(), "counted")
    with RoundTrips() as trips:
        cdk8s.ApiObject(chart, "one", api_version="v1", kind="ConfigMap")
        once = trips.kinds["create"]
        cdk8s.ApiObject(chart, "two", api_version="v1", kind="ConfigMap")
        chart.node.path
    assert once >= 1 and trips.kinds["create"] == 2 * once  # one more object, as many more creates
    assert trips.targets["create cdk8s.ApiObject"] == 2
    assert trips.targets["get cdk8s.Chart.node"] == 1 and trips.targets["get constructs.Node.path"] == 1
    before = trips.total()
    cdk8s.ApiObject(chart, "three", api_version="v1", kind="ConfigMap")
    assert trips.total() == before  # the counter lets go of jsii when its block ends
