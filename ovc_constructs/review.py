"""The object-level review summary of two synthesized outputs: `python -m ovc_constructs diff` (docs/review.md).

A raw diff of `dist/<name>.k8s.yaml` is hundreds of lines for one change; this says which objects are added,
removed or changed, which fields changed (multi-line text as a unified diff), and which changes roll pods or
touch data. Pure Python on PyYAML, no cdk8s or jsii, so that reading two outputs stays well under a second;
synthesizing a git revision runs that revision's own `apps/main.py` in a child process.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

from .files import SAFE_LOADER

SUFFIX = ".k8s.yaml"
MARKER = "<!-- ovc-constructs-diff -->"
"""First line of the Markdown summary, so a CI job can find and update its own pull request comment."""
WORKLOADS = frozenset({"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet"})
"""Kinds whose pods are replaced when `spec.template` changes (a Job's template is immutable, a CronJob's
applies from its next run)."""
DATA_KINDS = frozenset({"PersistentVolume", "PersistentVolumeClaim", "StorageClass"})
EPHEMERAL_VOLUMES = frozenset({"configMap", "secret", "projected", "downwardAPI", "emptyDir"})
"""Volume sources that hold no data of their own; any other source (hostPath, local, a claim...) does."""
CONTENT_FIELDS = ("data", "binaryData", "stringData")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
INLINE_WIDTH = 100
"""A value longer than this (as JSON) is shown as text, diffed line by line: mappings and lists as YAML."""

Key = tuple[str, str, str, str]
"""(apiVersion group, kind, namespace, name): one object; the version is a field, so v1beta1 -> v1 is a change."""


class BadInput(Exception):
    """A file, directory or revision that cannot be compared: its one line (exit 2)."""


class _Placeholder(str):
    """Shown in place of a value, never quoted (so never mistaken for a string value of the same text)."""


ABSENT = _Placeholder("(none)")
"""The value on the side where a field does not exist."""
HIDDEN = _Placeholder("(hidden)")
"""What a Secret's values are shown as: the summary goes into pull request comments."""


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any


@dataclass
class ObjectChange:
    status: str  # "added", "removed" or "changed"
    key: Key
    fields: list[FieldChange] = field(default_factory=list)
    rolls_pods: bool = False
    touches_data: bool = False
    readers: list[tuple[str, bool]] = field(default_factory=list)
    """For a ConfigMap or Secret: the workloads reading it, and whether this change rolls each of them."""

    @property
    def flags(self) -> list[str]:
        return [flag for flag, on in (("rolls pods", self.rolls_pods), ("touches data", self.touches_data)) if on]


@dataclass
class FileChange:
    name: str
    note: str  # "", "only in old" or "only in new"
    objects: list[ObjectChange]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.objects)

    def headline(self, name: Optional[str] = None) -> str:
        """`name` (default: the file name) and the counts."""
        name = (name or self.name) + (f" ({self.note})" if self.note else "")
        if not self.objects:
            return f"{name}: no changes"
        rolls, data = sum(o.rolls_pods for o in self.objects), sum(o.touches_data for o in self.objects)
        return (f"{name}: {self.count('added')} added, {self.count('removed')} removed, "
                f"{self.count('changed')} changed ({rolls} roll pods, {data} touch data)")


# -- reading -------------------------------------------------------------------------------------------------

def object_key(document: Any) -> Optional[Key]:
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        return None
    api, kind, metadata = document.get("apiVersion"), document.get("kind"), document["metadata"]
    name, namespace = metadata.get("name"), metadata.get("namespace", "")
    if isinstance(api, str) and isinstance(kind, str) and isinstance(name, str) and isinstance(namespace, str) \
            and api and kind and name:
        return (api.rpartition("/")[0], kind, namespace, name)
    return None


def describe(key: Key) -> str:
    """`Kind.group namespace/name`, as kubectl names an object."""
    return f"{kind_label(key)} {object_name(key)}"


def kind_label(key: Key) -> str:
    return f"{key[1]}.{key[0]}" if key[0] else key[1]


def object_name(key: Key) -> str:
    return f"{key[2]}/{key[3]}" if key[2] else key[3]


def _check_tree(value: Any, seen: set[int], source: str) -> None:
    """Refuse YAML aliases (one node reached twice), which could make walking the documents explode."""
    if isinstance(value, (dict, list)):
        if id(value) in seen:
            raise BadInput(f"{source}: YAML aliases are not supported in a synthesized output")
        seen.add(id(value))
        for item in value.values() if isinstance(value, dict) else value:
            _check_tree(item, seen, source)


def read_objects(path: Path) -> dict[Key, dict]:
    """The objects of one multi-document YAML file, by key."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise BadInput(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    try:
        documents = list(yaml.load_all(text, Loader=SAFE_LOADER))  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise BadInput(f"{path}: not YAML: {where}{getattr(error, 'problem', None) or error}") from None
    except RecursionError:
        raise BadInput(f"{path}: nested too deeply") from None
    objects: dict[Key, dict] = {}
    for number, document in enumerate(documents, 1):
        if document is None:
            continue
        key = object_key(document)
        if key is None:
            raise BadInput(f"{path}: document {number}: not a Kubernetes object (apiVersion, kind and metadata.name)")
        try:
            _check_tree(document, set(), f"{path}: document {number}")
        except RecursionError:
            raise BadInput(f"{path}: document {number}: nested too deeply") from None
        if key in objects:
            raise BadInput(f"{path}: document {number}: {describe(key)} appears twice")
        objects[key] = document
    return objects


def read_output(path: Path, only: Optional[str] = None) -> dict[str, dict[Key, dict]]:
    """File name -> objects, for one `*.k8s.yaml` file or a directory of them (`only`: just `<only>.k8s.yaml`)."""
    if path.is_dir():
        files = sorted(p for p in path.glob(f"*{SUFFIX}") if p.is_file() and (only is None or p.name == only + SUFFIX))
    elif path.is_file():
        files = [path]
    elif path.exists():
        raise BadInput(f"{path}: not a file or directory")
    else:
        raise BadInput(f"{path}: no such file or directory")
    return {file.name: read_objects(file) for file in files}


# -- comparing -----------------------------------------------------------------------------------------------

def _segment(key: Any) -> str:
    text = str(key)
    return f".{text}" if _PLAIN_KEY.fullmatch(text) else f".{json.dumps(text, ensure_ascii=False)}"


def _names(items: list) -> Optional[list[str]]:
    """The items' `name`s when every item is a mapping with a distinct one (containers, env, ports, volumes)."""
    names = [item["name"] for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)]
    return names if len(names) == len(items) == len(set(names)) else None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def field_changes(old: Any, new: Any, path: str = "") -> Iterator[FieldChange]:
    """The leaves that differ, as paths: mapping keys joined by dots, list items by name when they all have
    one (`containers[osis]`), by position otherwise (new positions; a removed item's old position)."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from field_changes(old.get(key, ABSENT), new.get(key, ABSENT), path + _segment(key))
    elif isinstance(old, list) and isinstance(new, list):
        yield from _list_changes(old, new, path)
    else:
        yield FieldChange(path.lstrip("."), old, new)


def _list_changes(old: list, new: list, path: str) -> Iterator[FieldChange]:
    old_names, new_names = _names(old), _names(new)
    if old_names is not None and new_names is not None:
        before, after = dict(zip(old_names, old)), dict(zip(new_names, new))
        for name in [*old_names, *(n for n in new_names if n not in before)]:
            yield from field_changes(before.get(name, ABSENT), after.get(name, ABSENT), f"{path}[{name}]")
        kept_before, kept_after = [n for n in old_names if n in after], [n for n in new_names if n in before]
        if kept_before != kept_after:
            yield FieldChange(f"{path.lstrip('.')} (order)", kept_before, kept_after)
        return
    matcher = difflib.SequenceMatcher(None, [_canonical(v) for v in old], [_canonical(v) for v in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for offset in range(i2 - i1):
                yield from field_changes(old[i1 + offset], new[j1 + offset], f"{path}[{j1 + offset}]")
            continue
        for index in range(i1, i2):
            yield FieldChange(f"{path.lstrip('.')}[{index}]", old[index], ABSENT)
        for index in range(j1, j2):
            yield FieldChange(f"{path.lstrip('.')}[{index}]", ABSENT, new[index])


def _walk(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (key, value) pair of every mapping inside `value`."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def data_volumes(document: dict) -> list:
    """The volumes holding data (any source but EPHEMERAL_VOLUMES) and the volumeClaimTemplates of an object."""
    found = []
    for key, value in _walk(document):
        if key == "volumeClaimTemplates" and isinstance(value, list):
            found.extend(value)
        elif key == "volumes" and isinstance(value, list):
            found.extend(v for v in value if isinstance(v, dict) and not set(v) - {"name"} <= EPHEMERAL_VOLUMES)
    return found


def retains(document: dict) -> bool:
    """A reclaim policy Retain anywhere (a PersistentVolume's, a StorageClass's): its data outlives the object."""
    return any(isinstance(k, str) and k.endswith(("reclaimPolicy", "ReclaimPolicy")) and v == "Retain"
               for k, v in _walk(document))


def _claims(document: dict) -> bool:
    """A StatefulSet that makes a claim per replica: scaling it creates claims, or leaves them behind."""
    return bool((document.get("spec") or {}).get("volumeClaimTemplates"))


def holds_data(document: dict) -> bool:
    return document["kind"] in DATA_KINDS or retains(document) or bool(data_volumes(document))


def references(template: Any) -> set[tuple[str, str]]:
    """The (kind, name) of every ConfigMap and Secret a pod template reads: volumes, projected sources, envFrom, env."""
    found = set()
    for key, value in _walk(template):
        if not isinstance(value, dict):
            continue
        if key in ("configMap", "configMapRef", "configMapKeyRef") and isinstance(value.get("name"), str):
            found.add(("ConfigMap", value["name"]))
        elif key == "secret" and isinstance(value.get("secretName"), str):
            found.add(("Secret", value["secretName"]))
        elif key in ("secret", "secretRef", "secretKeyRef") and isinstance(value.get("name"), str):
            found.add(("Secret", value["name"]))
    return found


def _content(change: FieldChange) -> bool:
    """A change of a ConfigMap's or Secret's content (its top-level `data`, `binaryData` or `stringData`)."""
    return re.split(r"[.\[ ]", change.path, maxsplit=1)[0] in CONTENT_FIELDS


def _rolls(key: Key, path: str) -> bool:
    return key[1] in WORKLOADS and (path == "spec.template" or path.startswith("spec.template."))


def compare_objects(old: dict[Key, dict], new: dict[Key, dict]) -> list[ObjectChange]:
    """Every added, removed and changed object, by kind, then namespace and name."""
    changes = []
    for key in sorted(set(old) | set(new), key=lambda k: (k[1], k[0], k[2], k[3])):
        if key not in new:
            changes.append(ObjectChange("removed", key, touches_data=holds_data(old[key])))
        elif key not in old:
            changes.append(ObjectChange("added", key, touches_data=holds_data(new[key])))
        elif old[key] != new[key]:
            before, after = old[key], new[key]
            fields = list(field_changes(before, after))
            if key[1] == "Secret":
                fields = [FieldChange(f.path, f.old if f.old is ABSENT else HIDDEN, f.new if f.new is ABSENT else HIDDEN)
                          if _content(f) else f for f in fields]
            touches = (key[1] in DATA_KINDS or retains(before) or retains(after) or data_volumes(before) != data_volumes(after)
                       or (_claims(after) and any(f.path == "spec.replicas" for f in fields)))
            changes.append(ObjectChange("changed", key, fields, rolls_pods=any(_rolls(key, f.path) for f in fields),
                                        touches_data=touches))
    _mark_readers(changes, new)
    return changes


def _mark_readers(changes: list[ObjectChange], new: dict[Key, dict]) -> None:
    """A changed ConfigMap or Secret that workloads read rolls pods: they read it when they start. Each reader is
    listed with whether it rolls in this same change (a `checksum/...` annotation of the content does that)."""
    rolled = {c.key for c in changes if c.rolls_pods}
    readers: dict[tuple[str, str, str], list[Key]] = {}
    for key, document in new.items():
        if key[1] in WORKLOADS:
            for kind, name in references((document.get("spec") or {}).get("template")):
                readers.setdefault((key[2], kind, name), []).append(key)
    for change in changes:
        if change.status == "changed" and change.key[1] in ("ConfigMap", "Secret") and \
                any(_content(f) for f in change.fields):
            found = readers.get((change.key[2], change.key[1], change.key[3]), [])
            change.readers = [(f"{kind_label(k)}/{k[3]}", k in rolled) for k in sorted(found, key=lambda k: (k[1], k[3]))]
            change.rolls_pods = bool(found)


def compare(old: dict[str, dict[Key, dict]], new: dict[str, dict[Key, dict]]) -> list[FileChange]:
    """One FileChange per file name on either side."""
    result = []
    for name in sorted(set(old) | set(new)):
        note = "only in new" if name not in old else "only in old" if name not in new else ""
        result.append(FileChange(name, note, compare_objects(old.get(name, {}), new.get(name, {}))))
    return result


# -- rendering -----------------------------------------------------------------------------------------------

def _scalar(value: Any) -> str:
    if isinstance(value, _Placeholder):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_text(change: FieldChange) -> bool:
    """Shown as a unified diff: a multi-line string, or a string, mapping or list too long for one line."""
    return any(not isinstance(v, _Placeholder) and ((isinstance(v, str) and "\n" in v) or
                                                    (isinstance(v, (str, dict, list)) and len(_scalar(v)) > INLINE_WIDTH))
               for v in (change.old, change.new))


def _lines(value: Any) -> list[str]:
    if value is ABSENT:
        return []
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, sort_keys=False, width=120, default_flow_style=False).splitlines()
    return [_scalar(value)]


def unified(change: FieldChange) -> list[str]:
    """The hunks (`@@` lines and three lines of context) of the text's diff, without file headers."""
    return list(difflib.unified_diff(_lines(change.old), _lines(change.new), lineterm="", n=3))[2:]


def _reader_line(change: ObjectChange) -> str:
    return ", ".join(f"{name} ({'rolls' if rolls else 'does not roll: restart it to apply'})"
                     for name, rolls in change.readers)


def render_text(files: list[FileChange], old_label: str, new_label: str) -> str:
    out = [f"{old_label} -> {new_label}",
           "(+ added, - removed, ~ changed; flags and exit status: docs/review.md)"]
    for file in files:
        out += ["", file.headline()]
        kind = None
        for change in file.objects:
            if kind_label(change.key) != kind:
                kind = kind_label(change.key)
                out += ["", kind]
            mark = {"added": "+", "removed": "-", "changed": "~"}[change.status]
            flags = "".join(f"  [{flag}]" for flag in change.flags)
            out.append(f"  {mark} {object_name(change.key)}{flags}")
            if change.readers:
                out.append(f"      read by: {_reader_line(change)}")
            for item in change.fields:
                if _is_text(item):
                    out.append(f"      {item.path}:")
                    out += [f"        {line}" for line in unified(item)]
                else:
                    out.append(f"      {item.path}: {_scalar(item.old)} -> {_scalar(item.new)}")
    return "\n".join(out) + "\n"


def _code(text: str) -> str:
    """An inline code span holding `text` inside a Markdown table cell."""
    text = text.replace("|", "\\|")
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fenced(lines: list[str], language: str) -> list[str]:
    fence = "`" * max(3, 1 + max((len(run) for line in lines for run in re.findall(r"^`+", line)), default=0))
    return [f"{fence}{language}", *lines, fence]


def render_markdown(files: list[FileChange], old_label: str, new_label: str) -> str:
    """For a pull request comment: a table of every object, then a collapsed section per changed object."""
    out = [MARKER, "### Synthesized objects: what this change does", "",
           f"{_code(old_label)} → {_code(new_label)}. Flags and how to read this: `docs/review.md`."]
    for file in files:
        out += ["", f"#### {file.headline(_code(file.name))}"]
        if not file.objects:
            continue
        out += ["", "| | object | flags |", "|---|---|---|"]
        out += [f"| {c.status} | {kind_label(c.key)} {_code(object_name(c.key))} | {', '.join(c.flags)} |"
                for c in file.objects]
        for change in (c for c in file.objects if c.status == "changed"):
            flags = f": <b>{', '.join(change.flags)}</b>" if change.flags else ""
            out += ["", f"<details><summary>{kind_label(change.key)} <code>{object_name(change.key)}</code>{flags}</summary>", ""]
            if change.readers:
                out += [f"Read by: {_reader_line(change)}", ""]
            scalars = [f for f in change.fields if not _is_text(f)]
            if scalars:
                out += ["| field | old | new |", "|---|---|---|"]
                out += [f"| {_code(f.path)} | {_code(_scalar(f.old))} | {_code(_scalar(f.new))} |" for f in scalars]
                out.append("")
            for item in (f for f in change.fields if _is_text(f)):
                out += [_code(item.path), "", *_fenced(unified(item), "diff"), ""]
            out.append("</details>")
    return "\n".join(out) + "\n"


# -- synthesizing a git revision ----------------------------------------------------------------------------

def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError as error:
        raise BadInput(f"git: cannot run: {error.strerror or error}") from None
    if done.returncode:
        raise BadInput(f"git {args[0]}: {(done.stderr.strip().splitlines() or ['failed'])[-1]}")
    return done.stdout.strip()


def _extract(root: Path, ref: str, tree: Path) -> None:
    """The files of `ref` (its committed tree, nothing of the working tree) into `tree`."""
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except BadInput:
        raise BadInput(f"{ref}: unknown git revision") from None
    tree.mkdir()
    with subprocess.Popen(["git", "-C", str(root), "archive", "--format=tar", commit], stdout=subprocess.PIPE) as archive:
        unpacked = subprocess.run(["tar", "-x", "-C", str(tree)], stdin=archive.stdout, capture_output=True, check=False)
    if archive.returncode or unpacked.returncode:
        raise BadInput(f"{ref}: cannot extract the revision: {unpacked.stderr.decode(errors='replace').strip() or 'git archive failed'}")


@dataclass
class _Synthesis:
    """`apps/main.py` of one source tree synthesizing its environment files into `out`, in a child process."""

    tree: Path
    label: str  # "REF:" or "" (the working tree): how the child's messages name its environment files
    work: Path
    only: Optional[str]
    process: Optional[subprocess.Popen] = None
    errors: Any = None  # the child's standard error, a file in `work`

    @property
    def out(self) -> Path:
        return self.work / "out"

    def start(self) -> None:
        environments = self.work / "environments"
        environments.mkdir(parents=True)
        for source in sorted((self.tree / "apps" / "environments").glob("*.yaml")):
            if self.only is None or source.stem == self.only:
                shutil.copyfile(source, environments / source.name)
        self.out.mkdir()
        if not any(environments.iterdir()):
            return  # nothing to synthesize on this side: every object of the other side is added or removed
        if not (self.tree / "apps" / "main.py").is_file():
            raise BadInput(f"{self.label or self.tree}: no apps/main.py to synthesize with")
        env = {**os.environ, "OVC_ENVIRONMENTS": str(environments), "OVC_DIST": str(self.out),
               "CDK8S_OUTDIR": str(self.work / "scratch"), "PYTHONPATH": str(self.tree)}
        self.errors = (self.work / "stderr").open("w+")
        self.process = subprocess.Popen([sys.executable, str(self.tree / "apps" / "main.py")], cwd=self.tree, env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.errors)

    def finish(self) -> Path:
        if self.process is None:
            return self.out
        code = self.process.wait()
        self.errors.seek(0)
        lines = [line.replace(f"{self.work / 'environments'}/", f"{self.label}apps/environments/")
                 for line in self.errors.read().splitlines() if line.strip()]
        if code == 2 and lines:
            raise BadInput("\n".join(lines))  # the child's own one line per problem
        if code:
            raise BadInput(f"{self.label.rstrip(':') or 'working tree'}: synthesis failed (exit {code})"
                           + (f": {lines[-1]}" if lines else ""))
        return self.out

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.errors is not None:
            self.errors.close()


def synthesize_revisions(ref: str, work: Path, *, with_working_tree: bool, only: Optional[str]) -> tuple[Path, Optional[Path]]:
    """Synthesize `ref` (and the working tree) in parallel; return their output directories."""
    try:
        root = Path(_git(Path.cwd(), "rev-parse", "--show-toplevel"))
    except BadInput:
        raise BadInput(f"{Path.cwd()}: not in a git clone; --git compares revisions of the clone it is run in") from None
    _extract(root, ref, work / "tree")
    runs = [_Synthesis(work / "tree", f"{ref}:", work / "old", only)]
    if with_working_tree:
        runs.append(_Synthesis(root, "", work / "new", only))
    try:
        for run in runs:
            run.start()
        if only is not None and not any(any((run.work / "environments").iterdir()) for run in runs):
            raise BadInput(f"{only}: no environment file apps/environments/{only}.yaml on either side")
        outputs = [run.finish() for run in runs]
    finally:
        for run in runs:
            run.stop()
    return outputs[0], outputs[1] if with_working_tree else None


def summarize(old: Optional[Path], new: Optional[Path], *, git: Optional[str] = None, only: Optional[str] = None,
              markdown: bool = False) -> str:
    """The summary of OLD -> NEW; with `git`, OLD is that revision synthesized by its own code and NEW (when not
    given) the working tree synthesized by its own."""
    render = render_markdown if markdown else render_text
    if git is None:
        assert old is not None and new is not None
        return render(_paired(old, new, read_output(old, only), read_output(new, only)), str(old), str(new))
    given = None if new is None else read_output(new, only)  # a bad NEW is refused before synthesizing
    with tempfile.TemporaryDirectory(prefix="ovc-diff-") as scratch:
        synthesized, working_tree = synthesize_revisions(git, Path(scratch), with_working_tree=new is None, only=only)
        if working_tree is not None:
            new, given, label = working_tree, read_output(working_tree, only), "working tree (synthesized)"
        else:
            assert new is not None and given is not None
            label = str(new)
        return render(_paired(synthesized, new, read_output(synthesized, only), given), f"{git} (synthesized)", label)


def _paired(old_path: Path, new_path: Path, old: dict, new: dict) -> list[FileChange]:
    """Two files are compared whatever their names; a file against a directory, with its namesake there."""
    if old_path.is_file() and new_path.is_file():
        old = {name: next(iter(old.values())) for name in new}
    elif new_path.is_file():
        old = {name: objects for name, objects in old.items() if name in new}
    elif old_path.is_file():
        new = {name: objects for name, objects in new.items() if name in old}
    return compare(old, new)
