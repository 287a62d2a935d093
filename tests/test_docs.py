"""The Python examples in the README and docs/ run as written."""
import re
from pathlib import Path

import pytest

from .conftest import ROOT
from .validators import load_documents

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = [
    (page, index, block)
    for page in PAGES
    for index, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S))
]


@pytest.mark.parametrize("page, index, code", EXAMPLES, ids=[f"{p.name}#{i}" for p, i, _ in EXAMPLES])
def test_example_runs(page, index, code, tmp_path, monkeypatch):
    # The examples load apps/environments/*.yaml, so run them from the repository root as the pages say.
    monkeypatch.chdir(ROOT)
    # The jsii runtime keeps the working directory it started in, so point the example's App at tmp_path.
    assert "App()" in code
    code = code.replace("App()", f"App(outdir={str(tmp_path / 'dist')!r})")
    exec(compile(code, f"{page.name}[{index}]", "exec"), {"__name__": "__doc_example__"})
    synthesized = list(Path(tmp_path, "dist").glob("*.k8s.yaml"))
    assert synthesized, "the example synthesizes a manifest"
    documents = [d for path in synthesized for d in load_documents(path.read_text())]
    if "system_config=" in code:
        # A JumpScale component reads the system config the example built, never a name that does not exist.
        config_maps = {d["metadata"]["name"] for d in documents if d["kind"] == "ConfigMap"}
        assert "system-config" in config_maps


def test_every_construct_has_a_doc_page():
    import constructs as base

    import ovc_constructs

    constructs = [name for name in ovc_constructs.__all__ if isinstance(getattr(ovc_constructs, name), type)
                  and issubclass(getattr(ovc_constructs, name), base.Construct) and name not in ("Component", "G8Chart")]
    assert len(constructs) >= 15
    headings = [line for page in (ROOT / "docs").glob("*.md") for line in page.read_text().splitlines() if line.startswith("#")]
    for name in constructs:
        assert [h for h in headings if re.search(rf"\b{name}\b", h)], f"no doc page (heading) for {name}"
