"""The scripts and templates shipped inside the package (mounted from ConfigMaps or rendered), and the safe way
to write a file (whole or not at all, never through a symbolic link)."""
from __future__ import annotations

import errno
import os
import secrets
from importlib import resources as package_files
from pathlib import Path
from string import Template

import yaml

SCRIPTS = package_files.files("ovc_constructs") / "scripts"
TEMPLATES = package_files.files("ovc_constructs") / "templates"

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader in C (libyaml) where PyYAML was built with it: about 4x faster than the pure-Python one,
and it reads the same data. (Its dumper is not used: it folds long quoted strings with escapes differently, so
the synthesized text would depend on how PyYAML was built.)"""


def script(name: str) -> str:
    """A script from ovc_constructs/scripts/, as the text a ConfigMap carries."""
    return (SCRIPTS / name).read_text(encoding="utf-8")


def template(name: str) -> Template:
    """A `string.Template` from ovc_constructs/templates/."""
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


class UnsafeLocation(Exception):
    """A file would be written through a symbolic link or where git would commit it (a refused argument)."""


def make_directory(path: Path, mode: int = 0o777) -> None:
    """`mkdir -p`; a file in the way is 'Not a directory' rather than 'File exists'."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=mode)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path)) from None


def scratch_name(path: Path) -> Path:
    """The temporary file `write_atomically` writes beside `path` before renaming it: `.<name>.<8 hex>.tmp`."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _create_beside(path: Path, mode: int) -> tuple[Path, int]:
    """A new scratch file beside `path` (never `path` itself through a symbolic link), open for writing."""
    if path.is_symlink():
        raise UnsafeLocation(f"{path}: is a symbolic link; refusing to write through it")
    temporary = scratch_name(path)
    return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)


def check_writable(path: Path) -> None:
    """Raise what `write_atomically(path, ...)` would raise for its location, before anything is written:
    UnsafeLocation for a symbolic link, OSError when `path` is a directory or its directory (created if
    missing, as the writers do) cannot take a new file. Leaves at most that directory behind."""
    if path.is_dir() and not path.is_symlink():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    make_directory(path.parent)
    try:
        probe, descriptor = _create_beside(path, 0o600)
    except OSError as error:  # named by the directory, not by the random scratch name
        raise OSError(error.errno, error.strerror, str(path.parent)) from None
    os.close(descriptor)
    probe.unlink()


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write `path` whole or not at all, never through a symbolic link: a new file beside it (O_EXCL, `mode`),
    synced to disk, then renamed over it. OSError (disk full, permissions, a directory in the way) leaves the
    old file and no scratch file."""
    temporary, descriptor = _create_beside(path, mode)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
