"""Publishing that can lose nothing: only our own files are written or removed, each atomically, and an
interrupted run (an error, Ctrl-C, SIGTERM) leaves every file complete and no clutter."""
import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

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
        if str(target).endswith("b.k8s.yaml"):  # a is replaced (after the record of old and new checksums), b fails
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(synth.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        publish(synthesized(tmp_path, {"a": "a new\n", "b": "b new\n", "c": "c new\n"}), dist, complete=True)
    monkeypatch.undo()
    assert texts(dist) == {"a.k8s.yaml": "a new\n", "b.k8s.yaml": "b old\n", "c.k8s.yaml": "c old\n"}
    assert sorted(p.name for p in dist.iterdir()) == [MANIFEST, "a.k8s.yaml", "b.k8s.yaml", "c.k8s.yaml"]
    publish(synthesized(tmp_path, {"a": "a 3\n", "b": "b 3\n"}), dist, complete=True)  # all of them are still ours
    assert texts(dist) == {"a.k8s.yaml": "a 3\n", "b.k8s.yaml": "b 3\n"}


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


def test_a_file_the_record_does_not_list_or_that_changed_since_is_not_overwritten_without_force(tmp_path):
    dist = tmp_path / "dist"
    publish(synthesized(tmp_path, {"a": "a 1\n"}), dist, complete=True)
    (dist / "b.k8s.yaml").write_text("someone else's b\n")  # not in the record
    with pytest.raises(UnsafeOutput, match=r"dist: refusing to overwrite b\.k8s\.yaml: not written by this tool.*OVC_DIST_FORCE=1"):
        check_output(dist, names=["a.k8s.yaml", "b.k8s.yaml"])
    with pytest.raises(UnsafeOutput, match="refusing to overwrite b.k8s.yaml"):
        publish(synthesized(tmp_path, {"a": "a 2\n", "b": "b 2\n"}), dist, complete=True)
    (dist / "a.k8s.yaml").write_text("a edited by hand\n")  # in the record, but changed since
    with pytest.raises(UnsafeOutput, match="refusing to overwrite a.k8s.yaml"):
        publish(synthesized(tmp_path, {"a": "a 2\n"}), dist, complete=True)
    assert texts(dist) == {"a.k8s.yaml": "a edited by hand\n", "b.k8s.yaml": "someone else's b\n"}
    publish(synthesized(tmp_path, {"a": "a 2\n", "b": "b 2\n"}), dist, complete=True, force=True)  # the opt-in
    assert texts(dist) == {"a.k8s.yaml": "a 2\n", "b.k8s.yaml": "b 2\n"}
    assert json.loads((dist / MANIFEST).read_text())["files"].keys() == {"a.k8s.yaml", "b.k8s.yaml"}


def test_without_a_record_only_files_named_like_the_environments_are_adopted(tmp_path):
    """cdk8s output has no header proving who wrote it: the first publish into a directory without a record
    takes over the files of the environments it synthesizes, and leaves every other file alone."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "a.k8s.yaml").write_text("an older a, from before the record\n")
    (dist / "x.k8s.yaml").write_text("kind: Foreign\n")
    publish(synthesized(tmp_path, {"a": "a 1\n"}), dist, complete=True)
    assert texts(dist) == {"a.k8s.yaml": "a 1\n", "x.k8s.yaml": "kind: Foreign\n"}
    with pytest.raises(UnsafeOutput, match="refusing to overwrite x.k8s.yaml"):  # there is a record now
        publish(synthesized(tmp_path, {"x": "x 1\n"}), dist)


def test_only_scratch_files_of_names_we_publish_are_removed(tmp_path):
    dist = tmp_path / "dist"
    publish(synthesized(tmp_path, {"a": "a\n"}), dist, complete=True)
    (dist / ".mine.k8s.yaml.deadbeef.tmp").write_text("a user's file\n")
    (dist / ".a.k8s.yaml.1a2b3c4d.tmp").write_text("half of a\n")
    (dist / ".b.k8s.yaml.1a2b3c4d.tmp").write_text("half of b\n")
    publish(synthesized(tmp_path, {"a": "a\n", "b": "b\n"}), dist, complete=True)
    assert sorted(p.name for p in dist.iterdir()) == [".mine.k8s.yaml.deadbeef.tmp", MANIFEST, "a.k8s.yaml", "b.k8s.yaml"]


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
    assert {"be-g8-3.k8s.yaml", "second.k8s.yaml", "second.volumes.k8s.yaml", MANIFEST} <= {p.name for p in foreign.iterdir()}

    (environments / "second.yaml").unlink()
    result = run("apps/main.py", env=env)
    assert result.returncode == 0, result.stderr
    after = snapshot_dir(foreign)
    assert {path: after[path] for path in before} == before
    assert sorted(p.name for p in foreign.iterdir()) == [
        ".git", MANIFEST, "be-g8-3.k8s.yaml", "be-g8-3.volumes.k8s.yaml", "notes.txt", "x.k8s.yaml"]


def interrupted_run(tmp_path: Path, entry: str, interrupt) -> tuple[subprocess.Popen, str, str, Path, dict]:
    """Run an entry point (`cli` or `app`) against a dist/ holding a previous output, and call `interrupt(process)`
    once its synthesis has started (the scratch directory appears just before it). A run that finished before the
    signal arrived (a very busy machine) proves nothing: it is tried again, up to three times. Returns the
    process, its stdout and stderr, the attempt's directory (its `dist/`, and `tmp/` as TMPDIR) and dist/ as it was."""
    for attempt in range(3):
        work = tmp_path / f"attempt-{attempt}"
        work.mkdir()
        dist = work / "dist"
        publish(synthesized(work, {"be-g8-3": "previous: output\n", "second": "previous: second\n"}), dist, complete=True)
        before = snapshot_dir(dist)
        scratch_parent = work / "tmp"
        scratch_parent.mkdir()
        if entry == "cli":
            args, started = ["-m", "ovc_constructs", "synth", "--env", str(EXAMPLE), "--out", str(dist)], "ovc-synth-*"
        else:
            args, started = ["apps/main.py"], "cdk8s.out"
        env = {**os.environ, "TMPDIR": str(scratch_parent), "OVC_DIST": str(dist), "CDK8S_OUTDIR": str(scratch_parent / "cdk8s.out")}
        process = subprocess.Popen([PYTHON, *args], cwd=ROOT, env=env, start_new_session=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not list(scratch_parent.glob(started)) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        interrupt(process)
        stdout, stderr = process.communicate(timeout=120)
        if process.returncode != 0:
            break
    return process, stdout, stderr, work, before


@pytest.mark.parametrize("entry, signum", [("cli", signal.SIGINT), ("cli", signal.SIGTERM), ("app", signal.SIGINT)])
def test_an_interrupt_while_synthesizing_exits_128_plus_the_signal_and_changes_nothing(tmp_path, entry, signum):
    process, stdout, stderr, work, before = interrupted_run(tmp_path, entry, lambda p: p.send_signal(signum))
    assert process.returncode == 128 + signum, (stdout, stderr)
    assert "Traceback" not in stderr
    [line] = stderr.splitlines()
    assert f"interrupted by {signal.Signals(signum).name}, exit {128 + signum}" in line
    dist = work / "dist"
    assert snapshot_dir(dist) == before and sorted(p.name for p in dist.iterdir()) == sorted([MANIFEST, *texts(dist)])
    assert not list((work / "tmp").glob("ovc-synth-*")), "the scratch directory is removed"


def signal_the_process_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)


@pytest.mark.parametrize("entry", ["cli", "app"])
def test_a_terminals_ctrl_c_reaches_node_too_and_leaves_nothing_in_tmp(tmp_path, entry):
    """A terminal signals the whole process group. jsii's node process leaves the signal to Python
    (jsii_node_signals.js): it finishes its request and exits with its input, removing its jsii-kernel-*
    directory, which it left in /tmp when the Ctrl-C killed it."""
    process, _, stderr, work, _ = interrupted_run(tmp_path, entry, signal_the_process_group)
    assert process.returncode == 130 and stderr.splitlines()[-1].endswith("interrupted by SIGINT, exit 130; no file was left half-written")
    assert sorted(p.name for p in (work / "tmp").iterdir() if p.name != "cdk8s.out") == []


INTERRUPT_EDGES = {
    # edge: (the signal, whether node has exited when the scratch directory is removed, what a jsii call does after)
    "the scratch directory was just made": (signal.SIGTERM, "node running", "jsii works"),
    "node is still working on a request": (signal.SIGINT, "node exited", "jsii stopped"),
    "node got the Ctrl-C too": (signal.SIGINT, "node exited", "jsii stopped"),  # a terminal signals the whole group
    "a second Ctrl-C while node finishes": (signal.SIGINT, "node exited", "jsii stopped"),
    "between two jsii requests": (signal.SIGINT, "node running", "jsii works"),
}


@pytest.mark.parametrize("edge", INTERRUPT_EDGES)
def test_an_interrupt_at_any_point_of_the_synthesis_leaves_no_scratch_and_no_node_writing(tmp_path, edge):
    """The races the timed test above hits only by chance, forced. A signal the moment the scratch directory
    exists (before Python holds its name); one while Python waits for node's answer (node may still be writing
    YAML: it must have exited before the scratch directory is removed, and the kernel is out of step for good);
    one between two requests, which leaves node idle and the kernel usable by a library caller; and one that
    reaches node too, which must not turn the interrupt into a broken-pipe error; and a second one while node
    finishes, which must not cut that wait short."""
    script = f"""
import os, shutil, signal, tempfile, cdk8s
from ovc_constructs import interrupts, synth
from jsii._runtime import kernel
interrupts.install()
tempfile.tempdir = {str(tmp_path)!r}
make_directory, remove_tree, removals = tempfile.mkdtemp, shutil.rmtree, []
node = kernel.provider._process._process

def mkdtemp_then_signal(**kwargs):
    path = make_directory(**kwargs)
    os.kill(os.getpid(), signal.SIGTERM)
    return path

class InterruptedRead:  # node's output, whose next read is interrupted as by a signal: Python stops waiting, node goes on
    def __init__(self, pipe):
        self.pipe = pipe
    def readline(self):
        node.stdout = self.pipe
        if edge == "node got the Ctrl-C too":
            node.send_signal(signal.SIGINT)
            node.wait()
        raise interrupts.Interrupted(signal.SIGINT)
    def __getattr__(self, name):
        return getattr(self.pipe, name)

def interrupted_while_node_works(environments, outdir):
    app = cdk8s.App(outdir=str(outdir))
    cdk8s.Chart(app, "chart")
    node.stdout = InterruptedRead(node.stdout)
    app.synth()

def interrupted_between_requests(environments, outdir):
    cdk8s.App(outdir=str(outdir))
    raise interrupts.Interrupted(signal.SIGINT)

def rmtree(path, **kwargs):
    if os.path.basename(path).startswith("ovc-synth-"):  # (jsii removes its own temporary files too)
        removals.append("node exited" if node.poll() is not None else "node running")
    remove_tree(path, **kwargs)

edge = {edge!r}
if edge == "the scratch directory was just made":
    cdk8s.App(outdir=os.devnull)  # jsii is running, as when a synth begins
    tempfile.mkdtemp = mkdtemp_then_signal
elif edge in ("node is still working on a request", "node got the Ctrl-C too", "a second Ctrl-C while node finishes"):
    synth.synthesize = interrupted_while_node_works
    if edge == "a second Ctrl-C while node finishes":
        wait_for_node = node.wait
        def wait_after_a_second_ctrl_c(timeout=None):
            os.kill(os.getpid(), signal.SIGINT)
            return wait_for_node(timeout=timeout)
        node.wait = wait_after_a_second_ctrl_c
else:
    synth.synthesize = interrupted_between_requests
shutil.rmtree = rmtree
try:
    synth.synthesize_into([], {str(tmp_path / "dist")!r})
except interrupts.Interrupted as interrupted:
    try:
        after = "jsii works" if cdk8s.App(outdir=os.devnull).outdir == os.devnull else "?"
    except Exception:
        after = "jsii stopped"
    print(interrupted.signum, removals, os.listdir({str(tmp_path)!r}), after)
"""
    result = subprocess.run([PYTHON, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    signum, node_at_removal, after = INTERRUPT_EDGES[edge]
    assert (result.returncode, result.stdout) == (0, f"{signum.value} [{node_at_removal!r}] [] {after}\n"), result.stderr


def caught_signals(pid: int) -> int:
    """The SigCgt mask of a process: bit n-1 is set once it handles signal n."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("SigCgt:"):
            return int(line.split()[1], 16)
    return 0


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
@pytest.mark.parametrize("entry", ["cli", "app"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_while_the_program_still_loads_is_the_same_one_line(tmp_path, entry, signum):
    """The handler is installed before the heavy imports; the signal is sent the moment it is (SIGTERM caught)."""
    args = (["-m", "ovc_constructs", "synth", "--env", str(EXAMPLE), "--out", str(tmp_path / "dist")] if entry == "cli"
            else ["apps/main.py"])
    env = {**os.environ, "OVC_DIST": str(tmp_path / "dist"), "CDK8S_OUTDIR": str(tmp_path / "scratch")}
    process = subprocess.Popen([PYTHON, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not caught_signals(process.pid) & (1 << (signal.SIGTERM - 1)) and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    prog = "python -m ovc_constructs" if entry == "cli" else "apps/main.py"
    assert (process.returncode, stderr) == (
        128 + signum, f"{prog}: interrupted by {signal.Signals(signum).name}, exit {128 + signum}; no file was left half-written\n")
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_deferred_during_publishing_still_ends_in_its_exit_status_with_the_output_new(tmp_path, monkeypatch, signum):
    from ovc_constructs import files
    from ovc_constructs.cli import run_interruptibly

    dist = tmp_path / "dist"
    publish(synthesized(tmp_path, {"a": "a old\n", "b": "b old\n"}), dist, complete=True)
    real = files.os.replace

    def replace_and_signal(source, target):
        os.kill(os.getpid(), signum)  # arrives in the middle of the publish
        real(source, target)

    monkeypatch.setattr(files.os, "replace", replace_and_signal)
    stderr = __import__("io").StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    code = run_interruptibly("prog", lambda: publish(synthesized(tmp_path, {"a": "a new\n", "b": "b new\n"}), dist) and 0)
    assert code == 128 + signum
    assert stderr.getvalue() == f"prog: interrupted by {signal.Signals(signum).name}, exit {128 + signum}; no file was left half-written\n"
    assert texts(dist) == {"a.k8s.yaml": "a new\n", "b.k8s.yaml": "b new\n"}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_a_signal_while_exiting_does_not_break_the_exit(tmp_path):
    """Once the status is decided, SIGINT/SIGTERM are ignored: jsii's atexit stop is never cut short
    ('Exception ignored in atexit callback ... KeyboardInterrupt') and the status stays."""
    marker, finished = tmp_path / "exiting", tmp_path / "finished"
    script = ("import atexit, pathlib, runpy, sys, time\n"
              f"atexit.register(lambda: (pathlib.Path({str(marker)!r}).touch(), time.sleep(1), "
              f"pathlib.Path({str(finished)!r}).touch()))\n"
              "sys.argv = ['ovc_constructs', 'schema']\n"
              "runpy.run_module('ovc_constructs', run_name='__main__', alter_sys=True)\n")
    process = subprocess.Popen([PYTHON, "-c", script], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (0, "")
    assert finished.exists(), "the atexit callback ran to its end"
