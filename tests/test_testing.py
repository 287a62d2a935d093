"""ovc_constructs.testing: block-scalar snapshots that read back exactly, and the pytest11 registration."""
from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import entry_points

import pytest
import yaml

from ovc_constructs.testing import KubernetesYamlSnapshot, dump_manifests

from .conftest import ROOT

TRICKY = {
    "trailing newline": "a\nb\n",
    "no trailing newline": "a\nb",
    "several trailing newlines": "a\nb\n\n\n",
    "only newlines": "\n\n",
    "leading empty line": "\nfirst\n",
    "leading spaces on the first line": "    indented\nnot\n",
    "trailing spaces": "a  \nb\n",
    "trailing space at the end": "a\nb ",
    "tab": "a\tb\n\tc\n",
    "unicode": "café ✓ 😀\nüber\n",
    "document markers": "---\nkey: v\n...\n--- x\n",
    "yaml lookalikes": "- item\nkey: value\n# comment\n'quoted'\n|\n",
    "carriage return": "a\r\nb\n",
    "unicode line separators": "a\u2028b\x85c\u2029\n",
    "control characters": "a\x00b\x1b\n",
    "byte order mark": "\ufeffa\nb\n",
}


@pytest.mark.parametrize("value", TRICKY.values(), ids=TRICKY.keys())
def test_strings_read_back_exactly(value):
    documents = [{"data": {"value": value, value: "as a key"}, "items": [value, value.strip()]}, value]
    assert list(yaml.safe_load_all(dump_manifests(documents))) == documents


def test_multi_line_values_are_literal_blocks_one_line_values_are_not():
    text = dump_manifests([{"data": {"nginx.conf": "events {\n    worker_connections 1024;\n}\n", "mode": "traefik"}}])
    assert text == (
        "data:\n"
        "  nginx.conf: |\n"
        "    events {\n"
        "        worker_connections 1024;\n"
        "    }\n"
        "  mode: traefik\n"
    )


def test_chomping_and_fallback_styles():
    assert dump_manifests([{"v": "a\nb"}]) == "v: |-\n  a\n  b\n"
    assert dump_manifests([{"v": "a\n\n"}]) == "v: |+\n  a\n\n...\n"  # `...` ends the document: kept lines
    assert dump_manifests([{"v": "  x\ny\n"}]) == "v: |2\n    x\n  y\n"  # indentation given: text starts with spaces
    assert dump_manifests([{"v": "a  \nb\n"}]) == 'v: "a  \\nb\\n"\n'


def test_the_extension_writes_the_dump(snapshot):
    extension = snapshot.use_extension(KubernetesYamlSnapshot).extension_class
    assert extension.file_extension == "k8s.yaml"
    assert extension().serialize([{"a": "x\ny\n"}, {"b": 1}]) == "a: |\n  x\n  y\n---\nb: 1\n"


def test_registered_as_a_pytest_plugin(pytestconfig):
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("ovc_constructs") == "ovc_constructs.testing"
    assert pytestconfig.pluginmanager.has_plugin("ovc_constructs")


def test_loads_without_syrupy_or_cdk8s():
    """pytest loads the plugin in every run of a consumer's project, with or without the `testing` extra."""
    code = (
        "import sys; sys.modules['syrupy'] = None\n"
        "import ovc_constructs.testing as t\n"
        "assert 'cdk8s' not in sys.modules and not hasattr(t, 'KubernetesYamlSnapshot')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_consumer_project_snapshots_with_the_documented_example(tmp_path):
    """The consumer test of docs/snapshots.md, run by a pytest of its own in a project without a conftest."""
    example = re.search(r'```python title="tests/test_my_chart.py"\n(.*?)```', (ROOT / "docs" / "snapshots.md").read_text(), re.S)
    (tmp_path / "test_my_chart.py").write_text(example.group(1))
    # Comparing against the written file is what this repository's own snapshot tests do on every run.
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_chart.py", "--snapshot-update"],
                   cwd=tmp_path, check=True, capture_output=True)
    written = (tmp_path / "__snapshots__" / "test_my_chart" / "test_nginx_config.k8s.yaml").read_text()
    assert "  nginx.conf: |\n    events {\n        worker_connections 1024;\n    }\n" in written
