"""The chart as a YAML snapshot, with the `yaml_snapshot` fixture the installed library registers.

`pytest --snapshot-update` writes tests/__snapshots__/test_chart/test_orders_chart.k8s.yaml; commit it, and a
change to the chart reads as the YAML lines it changes.
"""
import cdk8s
from syrupy.assertion import SnapshotAssertion

from main import OrdersChart, example_site
from ovc_constructs.testing import synth_chart


def test_orders_chart(yaml_snapshot: SnapshotAssertion) -> None:
    chart = OrdersChart(cdk8s.Testing.app(), "orders", site=example_site())
    assert synth_chart(chart) == yaml_snapshot
