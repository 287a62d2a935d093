"""Snapshot-test cdk8s charts as readable YAML: a pytest plugin, loaded automatically once installed.

Install with ``pip install ovc-constructs[testing]``; the ``pytest11`` entry point registers this module,
so the ``yaml_snapshot`` fixture is available in every test without a conftest import::

    from ovc_constructs.testing import synth_construct

    def test_mongo(yaml_snapshot):
        assert synth_construct(lambda chart: ReplicatedMongo(chart, "mongo", site=site)) == yaml_snapshot

``pytest --snapshot-update`` writes ``__snapshots__/<test module>/<test>.k8s.yaml`` next to the test: one
multi-document YAML file per snapshot, keys in manifest order, multi-line strings (nginx.conf, scripts)
as literal block scalars (``|``), so a change to a config file shows in a pull request as the lines changed.

Loaded in every pytest run of a project that has the library installed, so cdk8s is imported only when a
chart is synthesized, and a missing syrupy only fails the tests that ask for ``yaml_snapshot``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pytest
import yaml

if TYPE_CHECKING:
    import cdk8s

try:
    from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
except ImportError:  # syrupy comes with the `testing` extra; without it only `yaml_snapshot` is unusable.
    SingleFileSnapshotExtension = None  # type: ignore[assignment,misc]

# Line breaks YAML normalizes to "\n" (or keeps only when escaped): a block scalar would not give them back.
_FOREIGN_BREAKS = frozenset("\r\x85\u2028\u2029")


class _BlockStringDumper(yaml.SafeDumper):
    """SafeDumper writing multi-line strings as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML's emitter picks the chomping (`|-`, `|+`) and indentation indicators, and falls back to a
    # double-quoted scalar when a block cannot hold the value (trailing spaces on a line, tabs, control
    # characters), so the style asked for here never changes what `yaml.safe_load` reads back.
    if _FOREIGN_BREAKS.intersection(value):
        style: str | None = '"'  # escaped: with allow_unicode, PyYAML would write them raw in any style
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockStringDumper.add_representer(str, _represent_str)


def dump_manifests(manifests: list[Any]) -> str:
    """The multi-document YAML of a snapshot; ``yaml.safe_load_all`` of it gives back ``manifests`` exactly."""
    text: str = yaml.dump_all(manifests, Dumper=_BlockStringDumper, sort_keys=False, width=120, allow_unicode=True)
    return text


if SingleFileSnapshotExtension is not None:

    class KubernetesYamlSnapshot(SingleFileSnapshotExtension):
        """One multi-document ``.k8s.yaml`` file per snapshot, so a pull request shows a YAML diff."""

        file_extension = "k8s.yaml"
        _write_mode = WriteMode.TEXT

        def serialize(self, data: Any, **kwargs: Any) -> str:
            return dump_manifests(data)


@pytest.fixture
def yaml_snapshot(request: pytest.FixtureRequest) -> Any:
    """syrupy's ``snapshot`` writing ``.k8s.yaml`` files: ``assert manifests == yaml_snapshot``."""
    if SingleFileSnapshotExtension is None:
        pytest.fail("yaml_snapshot needs syrupy: pip install ovc-constructs[testing]", pytrace=False)
    return request.getfixturevalue("snapshot").use_extension(KubernetesYamlSnapshot)


def synth_chart(chart: cdk8s.Chart) -> list[dict[str, Any]]:
    """The manifests of ``chart`` as dicts, what ``kubectl apply`` would receive."""
    import cdk8s

    return list(cdk8s.Testing.synth(chart))


def synth_construct(build: Callable[[cdk8s.Chart], Any], namespace: str = "openvcloud") -> list[dict[str, Any]]:
    """Synthesize what ``build(chart)`` adds to an empty chart in ``namespace`` (stable, unhashed names)."""
    import cdk8s

    chart = cdk8s.Chart(cdk8s.Testing.app(), "standalone", namespace=namespace, disable_resource_name_hashes=True)
    build(chart)
    return synth_chart(chart)
