"""Hostile input: no file, argument, full disk or closed pipe loses data, hangs, or ends in a traceback.

Bad input is one `FILE: ...` line per problem and exit 2; output that cannot be written is one line and exit 3;
a reader that goes away (`| head`) ends the program quietly with 141 (docs/reliability.md, "Input limits and
exit codes"). Private keys are 0600, written atomically, never through a symbolic link nor into git."""
import contextlib
import errno
import io
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ovc_constructs import files
from ovc_constructs.cli import EXIT_BAD_INPUT, EXIT_BROKEN_PIPE, EXIT_CANNOT_WRITE, main
from ovc_constructs.environment import MAX_YAML_BYTES, MAX_YAML_DEPTH, InvalidEnvironment, load_environment, read_yaml
from ovc_constructs.files import UnsafeLocation
from ovc_constructs.syncthing import write_identities

from .conftest import EXAMPLE, OLD_FORMAT, ROOT

EXAMPLES = int(os.environ.get("OVC_FUZZ_EXAMPLES", "50"))
SECONDS_PER_FILE = 5.0
"""Generous: the worst file of MAX_YAML_BYTES parses in about 2 s, a refused one in milliseconds."""
MIGRATE = ("--grid-id", "1", "--itsyouonline-client-id", "example")
SYSTEM_CONFIG = ROOT / "examples" / "system-config" / "be-g8-3.yaml"
AS_ROOT = os.geteuid() == 0


def load_lines(path: Path) -> list[str]:
    """The lines `validate` would print; [] when the file is a valid environment."""
    try:
        load_environment(path)
    except InvalidEnvironment as error:
        return error.lines
    return []


def refusal(path: Path, text: str | bytes) -> str:
    """The one line a file of `text` is refused with."""
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    lines = load_lines(path)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: ")
    return lines[0]


# ---------------------------------------------------------------- property: any text is one-line errors, quickly

SCALARS = st.one_of(
    st.text(max_size=30),  # every character, control characters and surrogates' neighbours included
    st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=8),
    st.builds(lambda c, n: c * n, st.sampled_from("x9 '\"\\"), st.integers(1000, 60_000)),
    st.sampled_from(["~", "null", "yes", "on", "off", ".nan", "-.inf", "0x1f", "0o17", "1_000", "2001-13-45",
                     "2001-12-14t21:59:43.10-05:00", "9" * 5000, "1e999", "'unterminated", "\"\\x\"", "@at", "`tick",
                     "%TAG", "---", "...", "|", ">-", "- - -", "{", "]", "?", ":"]),
)
TAGS = st.sampled_from(["", "", "", "!!python/object:os.system ", "!!python/name:os.system ", "!!binary ", "!!set ",
                        "!!omap ", "!!int ", "!!float ", "!!timestamp ", "!!str ", "!!map ", "!!seq ", "!!null ",
                        "!local ", "!<tag:example.com,2000:x> "])
KEYS = st.one_of(
    st.sampled_from(["name", "subdomain", "nodes", "networks", "release", "<<", "? [a, b]", "? {a: 1}", "1", "~", "on",
                     "2001-01-01", "!!binary aGk=", ".nan", "[a, b]", "{a: 1}", "&anchor name", "*alias", "'' ", "\"\\t\""]),
    st.text(max_size=12),
)


@st.composite
def nested(draw) -> str:
    depth = draw(st.sampled_from([1, 10, MAX_YAML_DEPTH - 1, MAX_YAML_DEPTH, MAX_YAML_DEPTH + 1, 2000]))
    opening, closing = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")]))
    if opening == "- ":
        return "".join(f"{'  ' * level}-\n" for level in range(min(depth, 300))) + "  " * min(depth, 300) + "x\n"
    return opening * depth + "x" + closing * depth + "\n"


@st.composite
def hostile_lines(draw) -> str:
    kind = draw(st.sampled_from(["pair", "pair", "alias", "laughs", "nested", "raw", "list"]))
    if kind == "pair":
        return f"{draw(KEYS)}: {draw(TAGS)}{draw(SCALARS)}\n"
    if kind == "alias":
        return f"a: &a {draw(SCALARS)}\nb: *a\n<<: *a\n"
    if kind == "laughs":
        return "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else 'lol'}]\n" for i in range(draw(st.integers(1, 9))))
    if kind == "nested":
        return draw(nested())
    if kind == "list":
        return "".join(f"- {draw(TAGS)}{draw(SCALARS)}\n" for _ in range(draw(st.integers(1, 4))))
    return draw(st.text(max_size=60))


ODD_VALUES = st.sampled_from([
    "~", "''", "2001-12-14", "2001-12-14 21:59:43", "!!binary aGk=", "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]",
    "!!float .nan", "-.inf", "1e999", "0x7fffffffffffffff", "-1", "0", "99999999999999999999", "true", "[]", "{}",
    "[[[]]]", "{a: {b: {c: []}}}", "!!str 1", "!!null ''", "'\u202e evil'", "\"\\x00\"", "\"\\t\\n\"", "x" * 5000,
    "[" + ", ".join(["x"] * 3000) + "]", "{" + ", ".join(f"k{i}: {i}" for i in range(2000)) + "}",
])
VALUE_LINE = re.compile(r"^(\s*(?:- )?[A-Za-z0-9_./-]+:) \S.*$")


@st.composite
def hostile_files(draw) -> str:
    """Hostile text alone, spliced into the example environment file, or an odd value in place of one of its
    values (the last two reach the field checks)."""
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    mode = draw(st.sampled_from(["alone", "spliced", "value", "value"]))
    if mode == "value":
        candidates = [i for i, line in enumerate(lines) if VALUE_LINE.match(line)]
        for index in draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3)):
            lines[index] = VALUE_LINE.sub(lambda m: f"{m[1]} {draw(ODD_VALUES)}", lines[index].rstrip("\n")) + "\n"
        return "".join(lines)
    hostile = "".join(draw(st.lists(hostile_lines(), min_size=1, max_size=4)))
    if mode == "alone":
        return hostile
    at = draw(st.integers(0, len(lines)))
    indent = draw(st.sampled_from(["", "  ", "    "]))
    spliced = "".join(indent + line if line.strip() else line for line in hostile.splitlines(keepends=True))
    return "".join(lines[:at]) + spliced + "".join(lines[at + draw(st.integers(0, 1)):])


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(text=hostile_files())
def test_any_text_is_refused_with_one_line_per_problem_and_quickly(tmp_path, text):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    started = time.monotonic()
    try:
        load_environment(path)
    except InvalidEnvironment as error:  # anything else fails the test with its traceback
        assert error.lines and all(line.startswith(f"{path}: ") and "\n" not in line for line in error.lines), error.lines
    assert time.monotonic() - started < SECONDS_PER_FILE


# ---------------------------------------------------------------- named regressions: read_yaml

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


def test_billion_laughs_is_refused_at_once_in_little_memory(tmp_path):
    assert len(BILLION_LAUGHS) < 600  # expanded: 9**9 strings, gigabytes
    tracemalloc.start()
    started = time.monotonic()
    try:
        line = refusal(tmp_path / "laughs.yaml", BILLION_LAUGHS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2
    assert peak < 5 * 1024 * 1024, peak
    assert "line 1, column 4: not valid YAML: anchors and aliases" in line and "no need for them" in line


@pytest.mark.parametrize("text, message", [
    ("? [a, b]\n: 1\n", "line 1, column 3: not valid YAML: a list or mapping as a key (`? [a, b]`) is not allowed"),
    ("? {a: 1}\n: 1\n", "line 1, column 3: not valid YAML: a list or mapping as a key"),
    ("name: x\n1: a\n", "line 2, column 1: not valid YAML: the key '1' reads as int, not text; keys are names (quote it)"),
    ("~: a\n", "the key '~' reads as NoneType, not text"),
    ("on: a\n", "the key 'on' reads as bool, not text"),
    ("!!binary aGk=: a\n", "the key 'aGk=' reads as bytes, not text"),
    ("<<: {name: x}\n", "line 1, column 1: not valid YAML: merge keys (`<<`) are not allowed"),
    ("a: 2001-13-45\n", "line 1, column 4: not valid YAML: cannot read '2001-13-45' as timestamp: month must be in 1..12"),
    ("a: !!int abc\n", "cannot read 'abc' as int"),
    ("a: " + "9" * 5000 + "\n", "line 1, column 4: not valid YAML: cannot read '999"),
    ("a: !!python/object:os.system {}\n", "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"),
    ("a: b\nc: d\x07\n", "line 2, column 5: not valid YAML: the character #x0007 is not allowed"),
    ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", f"line 1, column {MAX_YAML_DEPTH + 3}: not valid YAML: nested deeper than {MAX_YAML_DEPTH} levels"),
    ("{a: " * 10_000 + "}" * 10_000, f"nested deeper than {MAX_YAML_DEPTH} levels"),
    ("a: 1\na: 2\n", "line 2, column 1: not valid YAML: duplicate key 'a'"),
    (b"a: \xff\n", "line 1: not UTF-8 text (byte 0xff)"),
    ("#" * MAX_YAML_BYTES + "\n", "larger than 256 KiB; not an environment file"),
], ids=["complex-list-key", "complex-map-key", "int-key", "null-key", "bool-key", "binary-key", "merge-key",
        "bad-date", "bad-int", "huge-int", "python-tag", "control-character", "depth-10000", "flow-depth-10000",
        "duplicate", "not-utf8", "too-large"])
def test_each_hostile_construct_is_one_line(tmp_path, text, message):
    line = refusal(tmp_path / "env.yaml", text)
    assert f"{tmp_path / 'env.yaml'}: {message}" in line or message in line, line
    assert "\n" not in line


def test_at_most_the_limit_is_read_so_a_huge_file_ends_at_once(tmp_path):
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as file:
        file.truncate(1 << 30)  # sparse: a gigabyte of zeros, as /dev/zero was (now refused as not a regular file)
    started = time.monotonic()
    with pytest.raises(InvalidEnvironment) as raised:
        read_yaml(huge)
    assert raised.value.lines == [f"{huge}: larger than 256 KiB; not an environment file"]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_anything_but_a_regular_file_is_refused_at_once_even_a_fifo_without_writer(tmp_path, kind):
    path = {"fifo": tmp_path / "env.yaml", "device": Path("/dev/zero"), "directory": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading used to wait forever for a writer
    started = time.monotonic()
    code, errors = run_in_process("validate", "--env", str(path))
    message = "cannot read the file: Is a directory" if kind == "directory" else \
        "not a regular file (a FIFO, device or directory); give an environment file"
    assert (code, errors) == (EXIT_BAD_INPUT, f"{path}: {message}\n")
    assert time.monotonic() - started < 2


def test_nesting_within_the_limit_and_a_file_at_the_size_limit_are_read(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("[" * (MAX_YAML_DEPTH - 1) + "x" + "]" * (MAX_YAML_DEPTH - 1))
    assert read_yaml(path) is not None
    path.write_text("a: b\n" + "#" * (MAX_YAML_BYTES - 6) + "\n")
    assert path.stat().st_size == MAX_YAML_BYTES and read_yaml(path) == {"a": "b"}


def test_the_examples_use_nothing_the_loader_refuses():
    for path in [*(ROOT / "apps" / "environments").glob("*.yaml"), *(ROOT / "examples" / "system-config").glob("*.yaml"), OLD_FORMAT]:
        assert isinstance(read_yaml(path), dict), path


# ---------------------------------------------------------------- the CLI: output that cannot be written

def without_ids(tmp_path: Path) -> Path:
    plain = tmp_path / "plain.yaml"
    plain.write_text("".join(l for l in EXAMPLE.read_text().splitlines(keepends=True) if "syncthing_device_id" not in l))
    return plain


def run_all(commands: dict[str, list[str]], **options) -> dict[str, subprocess.CompletedProcess]:
    """Run the CLI commands side by side (each start costs half a second)."""
    started = {name: subprocess.Popen([sys.executable, "-m", "ovc_constructs", *args], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, cwd=ROOT, **options)
               for name, args in commands.items()}
    results = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return results


def test_output_that_cannot_be_written_is_one_line_and_exit_3(tmp_path):
    (tmp_path / "file").write_text("a file\n")
    (tmp_path / "directory").mkdir()
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    plain = without_ids(tmp_path)
    migrate = ["migrate-env", str(OLD_FORMAT), *MIGRATE, "--out"]
    identities = ["syncthing-identities", "--env", str(plain), "--out"]
    imported = ["import-config", str(SYSTEM_CONFIG), "--identities", str(tmp_path / "keys"), "--out"]
    cases = {
        "env-below-a-file": (migrate, tmp_path / "file" / "env.yaml", "Not a directory"),
        "env-deeper-below-a-file": (migrate, tmp_path / "file" / "sub" / "env.yaml", "Not a directory"),
        "env-is-a-directory": (migrate, tmp_path / "directory", "Is a directory"),
        "imported-is-a-directory": (imported, tmp_path / "directory", "Is a directory"),
        "keys-dir-is-a-file": (identities, tmp_path / "file", "Not a directory"),
        "keys-dir-below-a-file": (identities, tmp_path / "file" / "keys", "Not a directory"),
    }
    if not AS_ROOT:  # root writes anywhere: these run in process below, with the system call failing
        cases["env-not-writable"] = (migrate, locked / "env.yaml", "Permission denied")
        cases["env-parent-not-writable"] = (migrate, locked / "new" / "env.yaml", "Permission denied")
        cases["keys-not-writable"] = (identities, locked / "inner", "Permission denied")
        locked.chmod(0o500)
        (locked / "inner").chmod(0o500)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p != tmp_path / "keys" and tmp_path / "keys" not in p.parents)
    try:
        results = run_all({name: [*command, str(out)] for name, (command, out, _) in cases.items()})
    finally:
        locked.chmod(0o700)
        (locked / "inner").chmod(0o700)
    for name, (_, out, reason) in cases.items():
        result = results[name]
        assert result.returncode == EXIT_CANNOT_WRITE, (name, result.stderr)
        assert result.stderr.startswith(f"{out}: cannot write: {reason}") and result.stderr.count("\n") == 1, (name, result.stderr)
        assert "Traceback" not in result.stderr
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p != tmp_path / "keys" and tmp_path / "keys" not in p.parents)
    assert after == before, "a failed write left a file behind"
    assert (tmp_path / "file").read_text() == "a file\n"


def run_in_process(*args: str) -> tuple[int, str]:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, stderr.getvalue()


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
                                     PermissionError(errno.EACCES, os.strerror(errno.EACCES)),
                                     OSError(errno.EROFS, os.strerror(errno.EROFS))], ids=["disk-full", "permission", "read-only"])
def test_a_full_disk_or_refused_write_keeps_the_old_file_and_leaves_no_scratch_file(tmp_path, monkeypatch, failure):
    out = tmp_path / "env.yaml"
    out.write_text("previous: content\n")

    def fail(*_):
        raise failure

    monkeypatch.setattr(files.os, "fsync", fail)
    code, errors = run_in_process("migrate-env", str(OLD_FORMAT), *MIGRATE, "--out", str(out))
    assert code == EXIT_CANNOT_WRITE
    assert errors == f"{out}: cannot write: {failure.strerror}\n"
    assert out.read_text() == "previous: content\n" and [p.name for p in tmp_path.iterdir()] == ["env.yaml"]


def test_a_full_disk_while_writing_keys_is_one_line(tmp_path, monkeypatch):
    def fail(*_):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", fail)
    keys = tmp_path / "keys"
    code, errors = run_in_process("syncthing-identities", "--env", str(without_ids(tmp_path)), "--out", str(keys))
    assert (code, errors) == (EXIT_CANNOT_WRITE, f"{keys}: cannot write: No space left on device\n")
    assert list(keys.iterdir()) == []


def test_a_full_standard_output_is_one_line_and_exit_3(tmp_path):
    """`... > /dev/full`: the failing flush at exit included, no traceback and no 'Exception ignored'."""
    commands = {"schema": ["schema"], "validate": ["validate", "--env", str(ROOT / "apps" / "environments" / "be-g8-3.yaml")]}
    with open("/dev/full", "w") as full:
        results = {
            name: subprocess.run([sys.executable, "-m", "ovc_constructs", *args], stdout=full, stderr=subprocess.PIPE,
                                 text=True, cwd=ROOT, timeout=120) for name, args in commands.items()}
    for name, result in results.items():
        assert (result.returncode, result.stderr) == (EXIT_CANNOT_WRITE, "standard output: cannot write: No space left on device\n"), name


def test_import_config_with_a_full_standard_output_writes_its_files_then_exits_3(tmp_path):
    with open("/dev/full", "w") as full, contextlib.redirect_stdout(full):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = main(["import-config", str(SYSTEM_CONFIG), "--out", str(tmp_path / "env.yaml"), "--identities", str(tmp_path / "keys")])
    assert (code, stderr.getvalue()) == (EXIT_CANNOT_WRITE, "standard output: cannot write: No space left on device\n")
    assert (tmp_path / "env.yaml").is_file()


@pytest.mark.parametrize("kind", ["symlink", "directory", "below-a-file"])
def test_import_config_refuses_out_before_creating_any_key(tmp_path, kind):
    (tmp_path / "file").write_text("a file\n")
    (tmp_path / "directory").mkdir()
    (tmp_path / "link.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    out = {"symlink": tmp_path / "link.yaml", "directory": tmp_path / "directory", "below-a-file": tmp_path / "file" / "env.yaml"}[kind]
    keys = tmp_path / "keys"
    code, errors = run_in_process("import-config", str(SYSTEM_CONFIG), "--out", str(out), "--identities", str(keys))
    assert code == (EXIT_BAD_INPUT if kind == "symlink" else EXIT_CANNOT_WRITE) and errors.count("\n") == 1, errors
    assert errors.startswith(f"{out}: ")
    assert not keys.exists(), "no private key is created for an output that is refused"
    assert not (tmp_path / "elsewhere.yaml").exists()


def test_a_reader_that_goes_away_ends_the_program_quietly(tmp_path):
    commands = {
        "schema": ["schema"],
        "import-config": ["import-config", str(SYSTEM_CONFIG), "--out", str(tmp_path / "env.yaml"),
                          "--identities", str(tmp_path / "keys")],
    }
    read, write = os.pipe()
    os.close(read)  # every write to standard output fails with EPIPE
    try:
        started = {name: subprocess.Popen([sys.executable, "-m", "ovc_constructs", *args], stdout=write,
                                          stderr=subprocess.PIPE, text=True, cwd=ROOT)
                   for name, args in commands.items()}
    finally:
        os.close(write)
    for name, process in started.items():
        _, errors = process.communicate(timeout=120)
        assert errors == "", (name, errors)
        assert process.returncode in (EXIT_BROKEN_PIPE, -13), name  # -13: if SIGPIPE is left to end the process
    assert (tmp_path / "env.yaml").exists()  # the file was written before the output was lost
    shell = subprocess.run(f"{shlex.join([sys.executable, '-m', 'ovc_constructs', 'schema'])} | head -1", shell=True,
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert shell.stdout == "{\n" and shell.stderr == ""


# ---------------------------------------------------------------- private keys

def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_keys_are_0600_even_over_an_existing_world_readable_file(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "ctrl-01-key.pem").write_text("old key, no certificate\n")
    (keys / "ctrl-01-key.pem").chmod(0o644)
    write_identities(["ctrl-01", "ctrl-02"], keys)
    assert {p.name: mode(p) for p in keys.iterdir()} == {
        "ctrl-01-cert.pem": 0o600, "ctrl-01-key.pem": 0o600, "ctrl-02-cert.pem": 0o600, "ctrl-02-key.pem": 0o600, "apikey": 0o600}
    assert b"PRIVATE KEY" in (keys / "ctrl-01-key.pem").read_bytes()
    (keys / "ctrl-02-key.pem").chmod(0o644)  # a reused pair is tightened, not rewritten
    before = (keys / "ctrl-02-key.pem").read_bytes()
    write_identities(["ctrl-01", "ctrl-02"], keys)
    assert mode(keys / "ctrl-02-key.pem") == 0o600 and (keys / "ctrl-02-key.pem").read_bytes() == before


def test_keys_are_never_written_through_a_symbolic_link(tmp_path):
    real, elsewhere = tmp_path / "real", tmp_path / "elsewhere"
    real.mkdir()
    elsewhere.write_text("not a key\n")
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with pytest.raises(UnsafeLocation, match="link: is a symbolic link"):
        write_identities(["ctrl-01"], tmp_path / "link")
    (real / "ctrl-01-key.pem").symlink_to(elsewhere)
    with pytest.raises(UnsafeLocation, match="ctrl-01-key.pem: is a symbolic link"):
        write_identities(["ctrl-01"], real)
    assert elsewhere.read_text() == "not a key\n" and [p.name for p in real.iterdir()] == ["ctrl-01-key.pem"]
    code, errors = run_in_process("syncthing-identities", "--env", str(without_ids(tmp_path)), "--out", str(tmp_path / "link"))
    assert code == EXIT_BAD_INPUT and errors.count("\n") == 1 and errors.startswith(f"{tmp_path / 'link'}: is a symbolic link")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_keys_are_never_written_where_git_would_commit_them(tmp_path):
    repository = tmp_path / "repository"
    repository.mkdir()
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    (repository / ".gitignore").write_text("secrets/\n*.pem\n")
    with pytest.raises(UnsafeLocation, match="inside the git work tree and not ignored by git"):
        write_identities(["ctrl-01"], repository / "keys")  # the .pem files are ignored, apikey is not
    assert not (repository / "keys").exists()
    assert write_identities(["ctrl-01"], repository / "secrets" / "g8" / "billing-sync")
    assert write_identities(["ctrl-01"], tmp_path / "outside")  # not a work tree: allowed
    code, errors = run_in_process("syncthing-identities", "--env", str(without_ids(tmp_path)), "--out", str(repository / "keys"))
    assert code == EXIT_BAD_INPUT and errors.startswith(f"{repository / 'keys'}: inside the git work tree")
