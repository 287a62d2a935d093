"""Synthesis, and publishing that can lose nothing.

Publishing writes only the files it owns: `<name>.k8s.yaml` of the environments it synthesized, each
atomically (`files.write_atomically`: a temporary file beside it, fsync, `os.replace`), so every file is at every
moment either the previous or the new version. It records what it wrote in `.ovc-dist.json` (file name
and SHA-256); a full publish removes a `*.k8s.yaml` of an environment that is gone only when that record
proves this tool wrote it and nobody changed it since. It refuses an output directory that holds
anything but `*.k8s.yaml` files, its record and its own leftovers, unless `force` is given, and even
then it never touches what it did not write. It overwrites a `<name>.k8s.yaml` only when the record lists
it with the checksum it has now (or, in a directory without any record, the first publish there, when
the name is that of an environment being synthesized: cdk8s output has no header that would prove its
origin); anything else needs `force`.
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
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Iterable, Iterator

import cdk8s

from . import interrupts
from .chart import G8Chart
from .environment import Environment, InvalidEnvironment, load_environment
from .files import UnsafeLocation, write_atomically
from .ordering import VOLUME_KINDS

MANIFEST = ".ovc-dist.json"
"""The record of what this tool published into an output directory: `{"files": {name: sha256}}`; while a
publish is under way a name may list two checksums (`[old, new]`), either of which is ours."""
SUFFIX = ".k8s.yaml"
VOLUMES_SUFFIX = ".volumes.k8s.yaml"
VOLUME_KIND = re.compile(rf"^kind: ({'|'.join(VOLUME_KINDS)})$", re.M)
LEFTOVER = re.compile(rf"\.(.+{re.escape(SUFFIX)}|{re.escape(MANIFEST)})\.[0-9a-f]{{8}}\.tmp")
"""A file `write_atomically` had not yet renamed into place when its run was killed: `.<name>.<8 hex>.tmp`;
removed only when <name> is the record or a `*.k8s.yaml` this tool publishes there (`_leftover`)."""


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


def output_names(name: str) -> list[str]:
    """The files of one G8: its objects (applied with `--prune`), and its PersistentVolumes (applied without)."""
    return [f"{name}{SUFFIX}", f"{name}{VOLUMES_SUFFIX}"]


def split_volumes(path: Path) -> Path:
    """Move the PersistentVolumes of a synthesized `<name>.k8s.yaml` into `<name>.volumes.k8s.yaml`, text as it was.

    A volume holds data: it must never be a candidate of `kubectl apply --prune`, which deletes what an
    applied file stopped listing, so volumes are applied from their own file, without `--prune`.
    """
    documents = path.read_text(encoding="utf-8").rstrip("\n").split("\n---\n")
    volumes = [d for d in documents if VOLUME_KIND.search(d)]
    path.write_text("\n---\n".join(d for d in documents if d not in volumes) + "\n", encoding="utf-8")
    target = path.with_name(path.name.removesuffix(SUFFIX) + VOLUMES_SUFFIX)
    target.write_text("\n---\n".join(volumes) + "\n" if volumes else "", encoding="utf-8")
    return target


def synthesize(environments: list[Environment], outdir: Path) -> list[Path]:
    """Synthesize each environment's files (`output_names`) into `outdir` (which must exist)."""
    app = cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_CHART)
    for environment in environments:
        G8Chart(app, environment.name, environment=environment)
    app.synth()
    files = []
    for environment in environments:
        objects = outdir / f"{environment.name}{SUFFIX}"
        files += [objects, split_volumes(objects)]
    return files


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _published(outdir: Path) -> dict[str, set[str]] | None:
    """What the record says this tool published: name -> the checksums that are ours; None when there is no
    readable record (a directory this tool has not published into)."""
    try:
        files = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, dict):
        return None
    record = {}
    for name, digests in files.items():
        digests = [digests] if isinstance(digests, str) else digests
        if (isinstance(name, str) and isinstance(digests, list) and all(isinstance(d, str) for d in digests)
                and name.endswith(SUFFIX) and "/" not in name and "\0" not in name):
            record[name] = set(digests)
    return record


def _write_record(outdir: Path, record: dict[str, set[str]]) -> None:
    files = {name: (sorted(digests)[0] if len(digests) == 1 else sorted(digests))
             for name, digests in sorted(record.items()) if digests}
    write_atomically(outdir / MANIFEST, (json.dumps({"files": files}, indent=2) + "\n").encode(), 0o644)


def _leftover(entry: Path, ours: Iterable[str] | None = None) -> bool:
    """A scratch file of `write_atomically`; with `ours`, only one of the record or of those names."""
    match = LEFTOVER.fullmatch(entry.name)
    if not match or not _regular_file(entry):
        return False
    return ours is None or match.group(1) == MANIFEST or match.group(1) in set(ours)


def _regular_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _not_ours(outdir: Path, names: Iterable[str], record: dict[str, set[str]] | None) -> list[str]:
    """The existing `names` this tool may not overwrite: not in the record, or changed since it was written.
    Without a record (the first publish into a directory) files named like the environments are adopted."""
    if record is None:
        return []
    return sorted(name for name in set(names)
                  if _regular_file(outdir / name) and _digest((outdir / name).read_bytes()) not in record.get(name, ()))


def _first_three(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _refuse_overwrite(outdir: Path, names: list[str]) -> None:
    raise UnsafeOutput(f"{outdir}: refusing to overwrite {_first_three(names)}: not written by this tool or changed since ({MANIFEST}); "
                       "move it away, or set OVC_DIST_FORCE=1 (CLI: --force) to replace it")


def check_output(outdir: Path, *, force: bool = False, names: Iterable[str] = ()) -> None:
    """Raise UnsafeOutput when `outdir` holds anything this tool would not write, or a file of `names`
    (the `<name>.k8s.yaml` about to be published) it may not overwrite (unless `force`)."""
    outdir = Path(outdir)
    if not outdir.exists():
        return
    if not outdir.is_dir():
        raise UnsafeOutput(f"{outdir}: not a directory; choose a directory for the output")
    if force:
        return
    foreign = sorted(entry.name for entry in outdir.iterdir()
                     if not (entry.name == MANIFEST or _leftover(entry) or (entry.name.endswith(SUFFIX) and _regular_file(entry))))
    if foreign:
        raise UnsafeOutput(f"{outdir}: refusing to publish into a directory that holds other files ({_first_three(foreign)}); "
                           "choose an empty or new directory, or set OVC_DIST_FORCE=1 (CLI: --force) to write next to them")
    refused = _not_ours(outdir, names, _published(outdir))
    if refused:
        _refuse_overwrite(outdir, refused)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then deliver them: a publish is never cut short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in interrupts.SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for pending in dict.fromkeys(caught):
            signal.raise_signal(pending)


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
    names = [p.name for p in files]
    check_output(outdir, force=force, names=names)
    outdir.mkdir(parents=True, exist_ok=True)
    with _locked(outdir), _signals_deferred():
        found = _published(outdir)
        refused = [] if force else _not_ours(outdir, names, found)  # again, under the lock
        if refused:
            _refuse_overwrite(outdir, refused)
        record = found or {}
        for entry in outdir.iterdir():
            if _leftover(entry, ours=[*record, *names]):
                entry.unlink()
        new = {path.name: (path, path.read_bytes()) for path in files}
        # First the record lists old and new checksums, so a run killed half-way leaves only files that are ours.
        pending = {name: set(digests) for name, digests in record.items()}
        for name, (_, data) in new.items():
            adopted = {_digest((outdir / name).read_bytes())} if found is None and _regular_file(outdir / name) else set()
            pending[name] = pending.get(name, set()) | adopted | {_digest(data)}
        _write_record(outdir, pending)
        for name, (_, data) in new.items():
            write_atomically(outdir / name, data, 0o644)
            record[name] = {_digest(data)}
        if complete:
            for name in sorted(set(record) - set(new)):
                stale = outdir / name
                if _regular_file(stale) and _digest(stale.read_bytes()) in record[name]:
                    stale.unlink()
                del record[name]
        _write_record(outdir, {name: digests for name, digests in record.items() if (outdir / name).is_file()})
    return [outdir / name for name in names]


def synthesize_into(environments: list[Environment], outdir: Path, *, force: bool = False) -> list[Path]:
    """Synthesize into a scratch directory, then publish; a failure leaves `outdir` as it was."""
    outdir = Path(outdir).resolve()
    check_output(outdir, force=force, names=[n for e in environments for n in output_names(e.name)])
    scratch = None
    try:
        with _signals_deferred():  # no interrupt between making the directory and knowing its name
            scratch = Path(tempfile.mkdtemp(prefix="ovc-synth-"))
        return publish(synthesize(environments, scratch), outdir, force=force)
    except KeyboardInterrupt as interrupt:  # also SIGTERM (interrupts.handler)
        if _interrupted_while_node_works(interrupt):
            with _signals_deferred():  # a second Ctrl-C must not cut the wait for node short
                _stop_the_kernel()
        raise
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _interrupted_while_node_works(interrupt: BaseException) -> bool:
    """Whether the interrupt came while Python waited for the jsii kernel's answer. Node may then still be
    working on the request, writing YAML into the scratch directory; and this kernel is out of step for good
    (the answer is never read). An interrupt between two requests leaves a usable kernel, kept for the caller."""
    from jsii._kernel.providers.process import _NodeProcess

    waiting = _NodeProcess._next_message.__code__
    frame = interrupt.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code is waiting:
            return True
        frame = frame.tb_next
    return False


def _stop_the_kernel() -> None:
    """Let node finish the request it is in, then end it, before the scratch directory is removed: EOF on its
    input, and its answer goes nowhere. jsii keeps the process private and stops it only at exit, after
    `finally` has run; its own `stop` would fail on a node that is already gone (a terminal's Ctrl-C reaches it
    too) and could leave it running."""
    from jsii._runtime import kernel

    node: subprocess.Popen = kernel.provider._process._process  # type: ignore[attr-defined]  # (jsii's ProcessProvider)
    for pipe in filter(None, (node.stdin, node.stdout)):
        with contextlib.suppress(OSError, ValueError):
            pipe.close()
    try:
        node.wait(timeout=30)
    except subprocess.TimeoutExpired:
        node.kill()
        node.wait()
