"""Synthesis, and publishing that can lose nothing.

Publishing writes only the files it owns: `<name>.k8s.yaml` of the environments it synthesized, each
atomically (`files.write_atomically`: a temporary file beside it, fsync, `os.replace`), so every file is at every
moment either the previous or the new version. It records what it wrote in `.ovc-dist.json` (file name
and SHA-256); a full publish removes a `*.k8s.yaml` of an environment that is gone only when that record
proves this tool wrote it and nobody changed it since. It refuses an output directory that holds
anything but `*.k8s.yaml` files, its record and its own leftovers, unless `force` is given, and even
then it never touches what it did not write.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterable, Iterator

import cdk8s

from .chart import G8Chart
from .environment import Environment, InvalidEnvironment, load_environment
from .files import UnsafeLocation, write_atomically

MANIFEST = ".ovc-dist.json"
"""The record of what this tool published into an output directory: `{"files": {name: sha256}}`."""
SUFFIX = ".k8s.yaml"
LEFTOVER = re.compile(rf"\.(.+{re.escape(SUFFIX)}|{re.escape(MANIFEST)})\.[0-9a-f]{{8}}\.tmp")
"""A file `write_atomically` had not yet renamed into place when its run was killed: `.<name>.<8 hex>.tmp`."""


class UnsafeOutput(UnsafeLocation):
    """The output directory holds something this tool did not write, or is not a directory (a refused argument)."""


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
    return [outdir / f"{e.name}{SUFFIX}" for e in environments]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _published(outdir: Path) -> dict[str, str]:
    """What the record says this tool published (nothing when there is no readable record)."""
    try:
        files = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {name: digest for name, digest in files.items()
            if isinstance(name, str) and isinstance(digest, str) and name.endswith(SUFFIX)
            and "/" not in name and "\0" not in name}


def _leftover(entry: Path) -> bool:
    return bool(LEFTOVER.fullmatch(entry.name)) and entry.is_file() and not entry.is_symlink()


def check_output(outdir: Path, *, force: bool = False) -> None:
    """Raise UnsafeOutput when `outdir` holds anything this tool would not write (unless `force`)."""
    outdir = Path(outdir)
    if not outdir.exists():
        return
    if not outdir.is_dir():
        raise UnsafeOutput(f"{outdir}: not a directory; choose a directory for the output")
    if force:
        return
    foreign = sorted(entry.name for entry in outdir.iterdir()
                     if not (entry.name == MANIFEST or _leftover(entry)
                             or (entry.name.endswith(SUFFIX) and entry.is_file() and not entry.is_symlink())))
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise UnsafeOutput(f"{outdir}: refusing to publish into a directory that holds other files ({shown}); "
                           "choose an empty or new directory, or set OVC_DIST_FORCE=1 (CLI: --force) to write next to them")


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then deliver them: a publish is never cut short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One publish at a time per directory (so one never removes another's temporary file); synced at the end."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(files: list[Path], outdir: Path, *, complete: bool = False, force: bool = False) -> list[Path]:
    """Copy the synthesized `files` into `outdir`, one atomic replacement per file.

    `complete` says these are the files of every environment: a `*.k8s.yaml` this tool published
    earlier (and nobody changed since) whose environment is gone is removed. Anything else in `outdir`
    is never touched; see `check_output` for what is refused. Leftovers of a killed run (only
    `LEFTOVER` files) are removed first. SIGINT and SIGTERM wait until the publish is done.
    """
    outdir = Path(outdir)
    check_output(outdir, force=force)
    outdir.mkdir(parents=True, exist_ok=True)
    with _locked(outdir), _signals_deferred():
        for entry in outdir.iterdir():
            if _leftover(entry):
                entry.unlink()
        record = _published(outdir)
        for path in files:
            target = outdir / path.name
            data = path.read_bytes()
            write_atomically(target, data, 0o644)
            record[path.name] = _digest(data)
        if complete:
            current = {p.name for p in files}
            for name in sorted(set(record) - current):
                stale = outdir / name
                if stale.is_file() and not stale.is_symlink() and _digest(stale.read_bytes()) == record[name]:
                    stale.unlink()
                del record[name]
        record = {name: digest for name, digest in sorted(record.items()) if (outdir / name).is_file()}
        write_atomically(outdir / MANIFEST, (json.dumps({"files": record}, indent=2) + "\n").encode(), 0o644)
    return [outdir / p.name for p in files]


def synthesize_into(environments: list[Environment], outdir: Path, *, force: bool = False) -> list[Path]:
    """Synthesize into a scratch directory, then publish; a failure leaves `outdir` as it was."""
    outdir = Path(outdir).resolve()
    check_output(outdir, force=force)
    scratch = Path(tempfile.mkdtemp(prefix="ovc-synth-"))
    try:
        return publish(synthesize(environments, scratch), outdir, force=force)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
