"""Publishing that can lose nothing: only our own files are written or removed, each atomically, and an
interrupted run (an error, Ctrl-C, SIGTERM) leaves every file complete and no clutter."""
import json
import os
import signal
import subprocess
import time

import pytest
import yaml

from ovc_constructs import synth
from ovc_constructs.synth import MANIFEST, UnsafeOutput, check_output, publish

from .conftest import EXAMPLE, ROOT, example_data, merge
from .test_cli import PYTHON, run, snapshot_dir


def synthesized(tmp_path, contents: dict[str, str]) -> list:
    """Files as `synthesize` leaves them in its scratch directory."""
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    for name, text in contents.items():
        (scratch / f"{name}.k8s.yaml").write_text(text)
    return [scratch / f"{name}.k8s.yaml" for name in contents]


def texts(directory) -> dict[str, str]:
    return {p.name: p.read_text() for p in directory.iterdir() if p.is_file() and p.name != MANIFEST}


@pytest.fixture
def foreign(tmp_path):
    """A directory an operator might point OVC_DIST at by mistake: a checkout with uncommitted work."""
    directory = tmp_path / "checkout"
    (directory / ".git" / "refs").mkdir(parents=True)
    (directory / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (directory / "notes.txt").write_text("uncommitted work\n")
    (directory / "x.k8s.yaml").write_text("kind: Foreign\n")
    return directory


def test_a_directory_with_other_files_is_refused_and_left_alone(tmp_path, foreign):
    before = snapshot_dir(foreign)
    with pytest.raises(UnsafeOutput, match=r"checkout: refusing to publish into a directory that holds other files \(\.git, notes\.txt\)"):
        publish(synthesized(tmp_path, {"a": "new\n"}), foreign, complete=True)
    assert snapshot_dir(foreign) == before and sorted(p.name for p in foreign.iterdir()) == [".git", "notes.txt", "x.k8s.yaml"]
    (tmp_path / "file").write_text("x\n")
    with pytest.raises(UnsafeOutput, match="not a directory"):
        check_output(tmp_path / "file", force=True)


def test_with_force_foreign_files_survive_and_ours_are_written(tmp_path, foreign):
    before = snapshot_dir(foreign)
    publish(synthesized(tmp_path, {"a": "a1\n", "b": "b1\n"}), foreign, complete=True, force=True)
    publish(synthesized(tmp_path, {"a": "a2\n"}), foreign, complete=True, force=True)
    after = snapshot_dir(foreign)
    assert {path: after[path] for path in before} == before, "nothing that was there is changed"
    assert (foreign / "a.k8s.yaml").read_text() == "a2\n" and not (foreign / "b.k8s.yaml").exists()


def test_only_files_we_provably_published_are_removed(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "x.k8s.yaml").write_text("kind: Foreign\n")
    publish(synthesized(tmp_path, {"old": "old\n", "edited": "edited\n", "kept": "kept 1\n"}), dist, complete=True)
    assert json.loads((dist / MANIFEST).read_text())["files"].keys() == {"old.k8s.yaml", "edited.k8s.yaml", "kept.k8s.yaml"}
    (dist / "edited.k8s.yaml").write_text("changed by hand\n")

    publish(synthesized(tmp_path, {"kept": "kept 2\n"}), dist, complete=True)
    assert texts(dist) == {"x.k8s.yaml": "kind: Foreign\n", "edited.k8s.yaml": "changed by hand\n", "kept.k8s.yaml": "kept 2\n"}
    assert json.loads((dist / MANIFEST).read_text())["files"].keys() == {"kept.k8s.yaml"}

    publish(synthesized(tmp_path, {"one": "one\n"}), dist)  # the CLI: one environment, removes nothing
    assert set(texts(dist)) == {"x.k8s.yaml", "edited.k8s.yaml", "kept.k8s.yaml", "one.k8s.yaml"}


def test_a_failure_in_the_middle_leaves_every_file_old_or_new_and_no_temporary_file(tmp_path, monkeypatch):
    dist = tmp_path / "dist"
    publish(synthesized(tmp_path, {"a": "a old\n", "b": "b old\n", "c": "c old\n"}), dist, complete=True)
    real, calls = os.replace, []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(synth.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        publish(synthesized(tmp_path, {"a": "a new\n", "b": "b new\n", "c": "c new\n"}), dist, complete=True)
    monkeypatch.undo()
    assert texts(dist) == {"a.k8s.yaml": "a new\n", "b.k8s.yaml": "b old\n", "c.k8s.yaml": "c old\n"}
    assert sorted(p.name for p in dist.iterdir()) == [MANIFEST, "a.k8s.yaml", "b.k8s.yaml", "c.k8s.yaml"]


def test_leftovers_of_an_interrupted_run_are_removed_by_the_next(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / ".a.k8s.yaml.1a2b3c4d.tmp").write_text("half of a\n")  # files.write_atomically's scratch names
    (dist / f".{MANIFEST}.00ff00ff.tmp").write_text("{")
    (tmp_path / ".dist-old-q1w2e3").mkdir()  # an older version's retired output: not ours to remove
    check_output(dist)
    publish(synthesized(tmp_path, {"a": "a\n"}), dist, complete=True)
    assert sorted(p.name for p in dist.iterdir()) == [MANIFEST, "a.k8s.yaml"]
    assert (tmp_path / ".dist-old-q1w2e3").is_dir()


# ---------------------------------------------------------------- the two entry points, as an operator runs them


def test_the_app_and_the_cli_refuse_a_foreign_output_directory_before_synthesizing(tmp_path, foreign):
    before = snapshot_dir(foreign)
    env = {"OVC_DIST": str(foreign), "CDK8S_OUTDIR": str(tmp_path / "scratch")}
    check, app = run("apps/main.py", "--check", env=env), run("apps/main.py", env=env)  # `make synth` runs both
    cli = run("-m", "ovc_constructs", "synth", "--env", str(EXAMPLE), "--out", str(foreign))
    for result in (check, app, cli):
        assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"{foreign}: refusing to publish") and "OVC_DIST_FORCE=1" in line and "--force" in line
    assert snapshot_dir(foreign) == before and not (tmp_path / "scratch").exists()


def test_the_app_with_force_writes_next_to_foreign_files_and_prunes_only_its_own(tmp_path, foreign):
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "be-g8-3.yaml").write_text(EXAMPLE.read_text())
    (environments / "second.yaml").write_text(yaml.safe_dump(merge(example_data(), {"name": "second"})))
    before = snapshot_dir(foreign)
    env = {"OVC_ENVIRONMENTS": str(environments), "OVC_DIST": str(foreign), "OVC_DIST_FORCE": "1",
           "CDK8S_OUTDIR": str(tmp_path / "scratch")}
    result = run("apps/main.py", env=env)
    assert result.returncode == 0, result.stderr
    assert {"be-g8-3.k8s.yaml", "second.k8s.yaml", MANIFEST} <= {p.name for p in foreign.iterdir()}

    (environments / "second.yaml").unlink()
    result = run("apps/main.py", env=env)
    assert result.returncode == 0, result.stderr
    after = snapshot_dir(foreign)
    assert {path: after[path] for path in before} == before
    assert sorted(p.name for p in foreign.iterdir()) == [".git", MANIFEST, "be-g8-3.k8s.yaml", "notes.txt", "x.k8s.yaml"]


@pytest.mark.parametrize("entry, signum", [("cli", signal.SIGINT), ("cli", signal.SIGTERM), ("app", signal.SIGINT)])
def test_an_interrupt_while_synthesizing_exits_128_plus_the_signal_and_changes_nothing(tmp_path, entry, signum):
    dist = tmp_path / "dist"
    publish(synthesized(tmp_path, {"be-g8-3": "previous: output\n", "second": "previous: second\n"}), dist, complete=True)
    before = snapshot_dir(dist)
    scratch_parent = tmp_path / "tmp"
    scratch_parent.mkdir()
    if entry == "cli":
        args, started = ["-m", "ovc_constructs", "synth", "--env", str(EXAMPLE), "--out", str(dist)], "ovc-synth-*"
    else:
        args, started = ["apps/main.py"], "cdk8s.out"
    env = {**os.environ, "TMPDIR": str(scratch_parent), "OVC_DIST": str(dist), "CDK8S_OUTDIR": str(scratch_parent / "cdk8s.out")}
    process = subprocess.Popen([PYTHON, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(scratch_parent.glob(started)) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the scratch directory appears just before the (seconds-long) synthesis starts
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, (stdout, stderr)
    assert "Traceback" not in stderr
    [line] = stderr.splitlines()
    assert f"interrupted by {signal.Signals(signum).name}, exit {128 + signum}" in line
    assert snapshot_dir(dist) == before and sorted(p.name for p in dist.iterdir()) == sorted([MANIFEST, *texts(dist)])
    assert not list(scratch_parent.glob("ovc-synth-*")), "the scratch directory is removed"
