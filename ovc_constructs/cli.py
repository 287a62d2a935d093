"""`python -m ovc_constructs`: validate or synthesize one environment file."""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import interrupts
from .environment import Environment, InvalidEnvironment, load_environment
from .files import UnsafeLocation, check_writable, make_directory, write_atomically

EXIT_BAD_INPUT = 2
"""A refused input file or argument: one `FILE: field.path: message` line per problem, nothing written."""
EXIT_CANNOT_WRITE = 3
"""The output could not be written (permission denied, not a directory, a directory in the way, disk full):
one `PATH: cannot write: reason` line; no file is left half-written."""
EXIT_BROKEN_PIPE = 141
"""Standard output was closed early (`... | head -1`): quietly, as a shell reports a process ended by SIGPIPE."""


class CannotWrite(Exception):
    """An OSError while writing output, as the one line EXIT_CANNOT_WRITE prints."""


@contextlib.contextmanager
def writing(target: Path):
    """OSError inside becomes CannotWrite naming `target` (and the path that failed, if another)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        failed = error.filename2 or error.filename  # os.replace(scratch, target) names the target second
        other = f" ({failed})" if failed and str(failed) != str(target) else ""
        raise CannotWrite(f"{target}: cannot write: {error.strerror or error}{other}") from None


class _StandardOutput:
    """sys.stdout, whose failures other than a closed pipe (disk full, I/O error) are CannotWrite."""

    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def _guarded(self, operation, *args):
        try:
            return operation(*args)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise CannotWrite(f"standard output: cannot write: {error.strerror or error}") from None

    def write(self, text):
        return self._guarded(self._stream.write, text)

    def writelines(self, lines):
        return self._guarded(self._stream.writelines, lines)

    def flush(self):
        return self._guarded(self._stream.flush)


def _discard_output() -> None:
    """What is left in stdout's buffer, flushed at interpreter exit, goes nowhere (no second error there)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def one_line_errors(command: Callable[..., int]) -> Callable[..., int]:
    """A command whose output fails ends with one line and its exit code, never a traceback."""
    @functools.wraps(command)
    def run(*args, **kwargs) -> int:
        stdout = sys.stdout
        if stdout is not None and not isinstance(stdout, _StandardOutput):
            sys.stdout = _StandardOutput(stdout)
        try:
            code = command(*args, **kwargs)
            sys.stdout.flush()  # a reader gone away or a full disk shows here rather than at interpreter exit
            return code
        except BrokenPipeError:
            sys.stdout = stdout
            _discard_output()
            return EXIT_BROKEN_PIPE
        except UnsafeLocation as error:
            print(error, file=sys.stderr)
            return EXIT_BAD_INPUT
        except CannotWrite as error:
            sys.stdout = stdout
            if str(error).startswith("standard output: "):
                _discard_output()
            print(error, file=sys.stderr)
            return EXIT_CANNOT_WRITE
        finally:
            sys.stdout = stdout
    return run


def _report(error: InvalidEnvironment) -> int:
    for line in error.lines:
        print(line, file=sys.stderr)
    return EXIT_BAD_INPUT


def run_interruptibly(prog: str, command: Callable[[], int]) -> int:
    """Run `command`; Ctrl-C (SIGINT) or SIGTERM ends it with one line and exit 130 or 143, no traceback.
    (An entry point installs `interrupts.handler` before its imports; then it stays installed here.)"""
    stderr, previous = sys.stderr, {}
    if threading.current_thread() is threading.main_thread():
        for signum, default in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
            if signal.getsignal(signum) == default:
                previous[signum] = signal.signal(signum, interrupts.handler)
    try:
        return command()
    except KeyboardInterrupt as error:
        line, code = interrupts.message(prog, error)
        print(line, file=stderr, flush=True)
        return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Optional[Sequence[str]] = None) -> int:
    return run_interruptibly("python -m ovc_constructs", lambda: _main(argv))


@one_line_errors
def _main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ovc_constructs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="synthesize one environment file into DIR/<name>.k8s.yaml")
    synth.add_argument("--env", required=True, type=Path, help="environment file")
    synth.add_argument("--out", default=Path("dist"), type=Path, help="output directory (default: dist)")
    synth.add_argument("--force", action="store_true",
                       help="write into an output directory that holds other files too (they are never touched)")
    validate = commands.add_parser("validate", help="only check an environment file")
    validate.add_argument("--env", required=True, type=Path, help="environment file")
    commands.add_parser("schema", help="print the JSON Schema of the environment file")
    identities = commands.add_parser(
        "syncthing-identities",
        help="create (or reuse) each node's BillingSync certificate and key in DIR, print the device IDs, write the Secret manifest",
    )
    identities.add_argument("--env", required=True, type=Path, help="environment file")
    identities.add_argument("--out", required=True, type=Path, help="directory for the keys; never inside dist/ or committed")
    imported = commands.add_parser(
        "import-config",
        help="write an environment file from an installer-managed G8's system-config.yaml; print the Secret commands",
    )
    imported.add_argument("system_config", type=Path, help="the G8's system-config.yaml (historical installer format)")
    imported.add_argument("--out", required=True, type=Path, help="environment file to write, e.g. apps/environments/<subdomain>.yaml")
    imported.add_argument("--identities", type=Path, help="directory for the BillingSync keys (default: secrets/<subdomain>/billing-sync)")
    imported.add_argument("--namespace", default="openvcloud", help="namespace of the G8 (default: openvcloud)")
    value = commands.add_parser("config-value", help="print one value of a system config (used by the printed Secret commands)")
    value.add_argument("system_config", type=Path)
    value.add_argument("path", help="dotted path such as environment.password or nodes[0].ipmi.password")
    migrated = commands.add_parser("migrate-env", help="rewrite an environment file of the controller-only format (0.1)")
    migrated.add_argument("env", type=Path, help="the old environment file")
    migrated.add_argument("--out", required=True, type=Path, help="the new environment file")
    migrated.add_argument("--grid-id", required=True, type=int, help="the G8's JumpScale grid id")
    migrated.add_argument("--itsyouonline-client-id", required=True, help="the G8's itsyou.online organization")
    migrated.add_argument("--itsyouonline-environment", help="its environment name (default: the subdomain)")
    fleet = commands.add_parser("fleet", help="an Argo CD ApplicationSet (or one Application per G8) syncing dist/ (docs/fleet.md)")
    fleet.add_argument("--repo", required=True, help="URL of the git repository holding dist/ (credentials go to Argo CD, not here)")
    fleet.add_argument("--revision", default="main", help="branch, tag or commit Argo CD follows (default: main)")
    fleet.add_argument("--path", default="dist", help="directory of the <name>.k8s.yaml files in the repository (default: dist)")
    fleet.add_argument("--env-dir", default=Path("apps/environments"), type=Path,
                       help="directory of the environment files, one G8 each (default: apps/environments)")
    fleet.add_argument("--namespace", default="argocd", help="Argo CD's namespace (default: argocd)")
    fleet.add_argument("--per-g8", action="store_true", help="one Application per G8 instead of an ApplicationSet")
    fleet.add_argument("--out", type=Path, help="file to write (default: standard output)")
    compared = commands.add_parser("diff", help="object-level review summary of two synthesized outputs (docs/review.md)",
                                   usage="%(prog)s [-h] [--format {text,markdown}] [--env NAME] (OLD NEW | --git REF [NEW])")
    compared.add_argument("paths", nargs="*", type=Path, metavar="OLD NEW",
                          help="*.k8s.yaml files or directories of them; with --git only NEW (default: the working tree synthesized)")
    compared.add_argument("--git", metavar="REF", help="OLD is the environment files of this git revision, synthesized by its own code")
    compared.add_argument("--env", metavar="NAME", help="only this G8: apps/environments/NAME.yaml, NAME.k8s.yaml")
    compared.add_argument("--format", choices=("text", "markdown"), default="text", help="markdown: for a pull request comment")
    operated = commands.add_parser("ops", help="print the kubectl commands that stop, start, restart or show components (docs/operations.md)")
    operated.add_argument("action", choices=("stop", "start", "restart", "status"))
    operated.add_argument("components", nargs="*", metavar="COMPONENT", help="component names (the openvcloud.io/component label)")
    operated.add_argument("--all", action="store_true", help="every component of the G8, in sync-wave order (status: the default)")
    manifest = operated.add_mutually_exclusive_group(required=True)
    manifest.add_argument("--env", type=Path, help="environment file, synthesized in memory")
    manifest.add_argument("--manifest", type=Path, help="a synthesized dist/<name>.k8s.yaml (read without cdk8s)")
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(json.dumps(Environment.model_json_schema(), indent=2, sort_keys=True))
        return 0
    if args.command == "diff":
        if len(args.paths) not in ((0, 1) if args.git else (2,)):
            compared.error("give OLD and NEW, or --git REF and at most NEW")
        return _diff(args)
    if args.command == "ops" and bool(args.components) == args.all and (args.all or args.action != "status"):
        operated.error("name the components, or give --all (not both)")
    try:
        if args.command == "ops":
            return _ops(args)
        if args.command == "import-config":
            return _import_config(args.system_config, args.out, args.identities, args.namespace)
        if args.command == "config-value":
            return _config_value(args.system_config, args.path)
        if args.command == "migrate-env":
            return _migrate(args)
        if args.command == "fleet":
            return _fleet(args)
        if args.command == "syncthing-identities":
            return _identities(load_environment(args.env, identities_required=False), args.env, args.out)
        environment = load_environment(args.env)
        if args.command == "validate":
            print(f"{args.env}: ok ({environment.name}, {len(environment.nodes)} nodes, {len(environment.controllers)} controllers)")
            return 0
        return _synth(environment, args.out, args.force)
    except InvalidEnvironment as error:
        return _report(error)
    except ValueError as error:  # a construct refused a value the file schema allowed
        print(f"{getattr(args, 'env', None) or args.system_config}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _diff(args: argparse.Namespace) -> int:
    """Exit 0 whether or not anything differs: the summary is for reading, not a gate."""
    from .review import BadInput, summarize

    old, new = (None, next(iter(args.paths), None)) if args.git else args.paths
    try:
        text = summarize(old, new, git=args.git, only=args.env, markdown=args.format == "markdown")
    except BadInput as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(text)
    return 0


def _ops(args: argparse.Namespace) -> int:
    """Print the commands for the operator to read and run; nothing here talks to a cluster."""
    from .operations import commands, components, read_manifest, select
    from .review import BadInput

    try:
        if args.manifest is not None:
            source, documents = str(args.manifest), read_manifest(args.manifest)
        else:
            import cdk8s  # only --env synthesizes; a manifest is read without jsii

            from .chart import G8Chart

            environment = load_environment(args.env)
            source, documents = str(args.env), G8Chart(cdk8s.App(), environment.name, environment=environment).to_json()
        selected = select(components(documents, source), args.components or None, source)
    except BadInput as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    print("\n".join(commands(args.action, selected)))
    return 0


def _synth(environment: Environment, out: Path, force: bool) -> int:
    """A directory holding other files is refused (synth.UnsafeOutput, exit 2) unless `force`."""
    from .synth import synthesize_into  # jsii starts only when there is something to synthesize

    with writing(out):
        for path in synthesize_into([environment], out, force=force):
            print(path)
    return 0


def _fleet(args: argparse.Namespace) -> int:
    """The Argo CD objects for every environment file of --env-dir; one line per problem of any of them."""
    files = sorted(args.env_dir.glob("*.yaml"))
    if not files:
        print(f"{args.env_dir}: no *.yaml environment files", file=sys.stderr)
        return EXIT_BAD_INPUT
    from .fleet import Source, fleet_yaml, shared_destinations  # jsii starts only when there is something to build
    from .synth import load_all

    try:
        source = Source(args.repo, args.revision, args.path)
        environments = load_all(files)
        shared = shared_destinations(environments)
        if shared:
            raise InvalidEnvironment("", [(f"{files[index]}: gitops", message) for index, message in shared])
        text = fleet_yaml(environments, source, namespace=args.namespace, per_g8=args.per_g8)
    except InvalidEnvironment as error:
        for line in error.lines:
            print(line.lstrip(": "), file=sys.stderr)  # load_all names each file in the problem's path
        return EXIT_BAD_INPUT
    except ValueError as error:  # "repo: ...", "namespace: ...": the option of the same name
        print(f"--{error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.out is None:
        sys.stdout.write(text)
        return 0
    with writing(args.out):
        make_directory(args.out.parent)
        write_atomically(args.out, text.encode(), 0o644)
    print(args.out)
    return 0


def _write(path: Path, data: dict, header: str) -> None:
    """Write an environment file whole or not at all (CannotWrite when the system refuses)."""
    import yaml

    with writing(path):
        make_directory(path.parent)
        write_atomically(path, (header + yaml.safe_dump(data, sort_keys=False, width=120)).encode(), 0o644)


def _import_config(source: Path, out: Path, identities: Optional[Path], namespace: str) -> int:
    from .installer.importer import check_imported, load_system_config, secret_commands, secret_sources, to_environment
    from .syncthing import write_identities

    config = load_system_config(source)
    data, notes = to_environment(config, str(source))
    if namespace != "openvcloud":
        data["namespace"] = namespace
    check_imported(data, config, str(source), identities_required=False)
    controllers = [n["name"] for n in data["nodes"] if "controller" in n["roles"]]
    keys = identities or Path("secrets") / data["name"] / "billing-sync"
    with writing(out):  # refused before any private key is created
        check_writable(out)
    with writing(keys):
        ids = write_identities(controllers, keys)
    for node in data["nodes"]:
        if node["name"] in ids:
            node["syncthing_device_id"] = ids[node["name"]]
    environment = check_imported(data, config, str(source))
    _write(out, data, f"# Imported from {source.name} (python -m ovc_constructs import-config); no secret values here.\n")
    print(f"# wrote {out}")
    for note in notes:
        print(f"# note: {note}")
    print(secret_commands(secret_sources(environment, config), source, environment.namespace), end="")
    print(f"kubectl -n {environment.namespace} create secret generic billing-sync --from-file={shlex.quote(str(keys))} "
          "--dry-run=client -o yaml | kubectl apply -f -")
    return 0


def _config_value(source: Path, path: str) -> int:
    from .environment import read_yaml
    from .installer.importer import config_value

    try:
        sys.stdout.write(config_value(read_yaml(source), path))
    except KeyError as error:
        raise InvalidEnvironment(str(source), [("", str(error.args[0]))]) from None
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from .environment import parse_environment, read_yaml
    from .migrate import migrate

    old = read_yaml(args.env)
    if not isinstance(old, dict) or "subdomain" in old:
        raise InvalidEnvironment(str(args.env), [("", "not an environment file of the controller-only format; nothing to migrate")])
    data, notes = migrate(old, grid_id=args.grid_id, client_id=args.itsyouonline_client_id,
                          iyo_environment=args.itsyouonline_environment)
    parse_environment(data, f"{args.env} (migrated)")
    _write(args.out, data, f"# Migrated from {args.env.name} (python -m ovc_constructs migrate-env).\n")
    print(f"# wrote {args.out}")
    for note in notes:
        print(f"# note: {note}")
    return 0


def _identities(environment: Environment, source: Path, out: Path) -> int:
    from .syncthing import secret_manifest, write_identities

    resolved = out.resolve()
    if "dist" in resolved.parts or resolved.name.startswith("."):
        print(f"{out}: refusing to write keys into an output or hidden directory; choose e.g. ./secrets/{environment.name}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    names = [n.name for n in environment.controllers]
    manifest = resolved / f"{environment.billing_sync.secret_name}-secret.yaml"
    with writing(out):  # `out` as given: a symbolic link is refused, not followed
        ids = write_identities(names, out, also=(manifest.name,))
        write_atomically(out / manifest.name,
                         secret_manifest(environment.billing_sync.secret_name, environment.namespace, names, out).encode())
    print(f"# device IDs for {source} (public; paste under nodes[]):")
    for name in names:
        print(f"#   - name: {name}\n#     syncthing_device_id: {ids[name]}")
    print(f"# private keys and API key: {resolved} (keep out of git)")
    print(f"# create the Secret: kubectl apply -f {manifest}")
    mismatched = [n.name for n in environment.controllers if n.syncthing_device_id and n.syncthing_device_id != ids[n.name]]
    if mismatched:
        print(f"{source}: nodes {mismatched} list a different syncthing_device_id than the keys in {resolved}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
