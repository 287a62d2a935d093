"""Synthesis that never leaves a half-written output directory behind."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

import cdk8s

from .chart import G8Chart
from .environment import Environment, InvalidEnvironment, load_environment


def load_all(files: Iterable[Path]) -> list[Environment]:
    """Load every file; raise one InvalidEnvironment carrying the problems of all of them."""
    loaded: list[tuple[Path, Environment]] = []
    problems: list[tuple[str, str]] = []
    for path in files:
        try:
            loaded.append((path, load_environment(path)))
        except InvalidEnvironment as error:
            problems.extend((f"{error.source}: {p}" if p else error.source, m) for p, m in error.problems)
    names: dict[str, Path] = {}
    for path, environment in loaded:
        if environment.name in names:
            problems.append((f"{path}: name", f"{environment.name!r} is also the name in {names[environment.name]}"))
        names.setdefault(environment.name, path)
    if problems:
        raise InvalidEnvironment("", problems)
    return [environment for _, environment in loaded]


def synthesize(environments: list[Environment], outdir: Path) -> list[Path]:
    """Synthesize one `<name>.k8s.yaml` per environment into `outdir` (which must exist)."""
    app = cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_CHART)
    for environment in environments:
        G8Chart(app, environment.name, environment=environment)
    app.synth()
    return [outdir / f"{e.name}.k8s.yaml" for e in environments]


def publish(files: list[Path], outdir: Path, *, replace_all: bool = False) -> list[Path]:
    """Move synthesized files into `outdir` by swapping, never by writing into it in place.

    With `replace_all` the whole directory is replaced (charts of deleted environments disappear);
    otherwise only these files are. The files must be on the same file system as `outdir`.
    """
    outdir = Path(outdir)
    if not replace_all:
        outdir.mkdir(parents=True, exist_ok=True)
        for path in files:
            os.replace(path, outdir / path.name)
        return [outdir / p.name for p in files]
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-new-", dir=outdir.parent))
    for path in files:
        shutil.copy2(path, staging / path.name)
    if outdir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-old-", dir=outdir.parent))
        os.replace(outdir, retired / outdir.name)
        os.replace(staging, outdir)
        shutil.rmtree(retired)
    else:
        os.replace(staging, outdir)
    return [outdir / p.name for p in files]


def synthesize_into(environments: list[Environment], outdir: Path) -> list[Path]:
    """Synthesize next to `outdir`, then swap the files in; a failure leaves `outdir` as it was."""
    outdir = Path(outdir).resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-synth-", dir=outdir.parent))
    try:
        return publish(synthesize(environments, scratch), outdir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
