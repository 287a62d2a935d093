"""The benchmark script keeps working (it measures; this only checks that it runs, never how fast)."""
from bench.synth_bench import run


def test_benchmark_case_runs_and_reports_its_measures():
    result = run("g8", 3)
    assert set(result) == {"import_s", "total_s", "python_peak_mib", "node_peak_mib"}
    assert result["python_peak_mib"] > 0
