"""The scripts and templates shipped inside the package (mounted from ConfigMaps or rendered)."""
from __future__ import annotations

from importlib import resources as package_files
from string import Template

SCRIPTS = package_files.files("ovc_constructs") / "scripts"
TEMPLATES = package_files.files("ovc_constructs") / "templates"


def script(name: str) -> str:
    """A script from ovc_constructs/scripts/, as the text a ConfigMap carries."""
    return (SCRIPTS / name).read_text(encoding="utf-8")


def template(name: str) -> Template:
    """A `string.Template` from ovc_constructs/templates/."""
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))
