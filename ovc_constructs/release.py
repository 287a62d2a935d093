"""Release manifests (contract §1.5): which image tags a G8 runs, served as ConfigMap `versions-manifest`.

The package ships the public manifests of real releases in `releases/<version>.yml`; an environment
picks one (`release.version`) and may override or add tags (`release.images`).
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources as package_files

import yaml

from .environment import Environment
from .files import SAFE_LOADER

RELEASES = package_files.files("ovc_constructs") / "releases"


@lru_cache(maxsize=None)
def shipped_versions() -> tuple[str, ...]:
    return tuple(sorted(p.name[: -len(".yml")] for p in RELEASES.iterdir() if p.name.endswith(".yml")))


@lru_cache(maxsize=None)
def _shipped(version: str) -> dict:
    if version not in shipped_versions():
        return {"version": version, "images": {}, "repos": []}
    return yaml.load((RELEASES / f"{version}.yml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def shipped_images(version: str) -> dict[str, str]:
    return {name: str(tag) for name, tag in _shipped(version)["images"].items()}


def versions_manifest(environment: Environment) -> dict:
    """The manifest the G8 runs: `version`, `url`, `images` (with the environment's overrides) and `repos`."""
    base = _shipped(environment.release.version)
    return {
        "version": environment.release.version,
        "url": environment.release.url or base.get("url", ""),
        "images": environment.images(),
        "repos": base.get("repos", []),
    }
