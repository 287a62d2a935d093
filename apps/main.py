"""The cdk8s app: one chart per file in apps/environments/, published to dist/.

`cdk8s synth` empties its own output directory (`.cdk8s.out`, see cdk8s.yaml) before running this
app. The app validates every environment file first, synthesizes into that scratch directory, and only
then publishes the result into `dist/` (or $OVC_DIST) one atomic file replacement at a time, so a bad
file or an interruption never destroys the previous output. It writes only `<name>.k8s.yaml` files and
its record `.ovc-dist.json`; it removes or overwrites only files that record proves it wrote, and refuses
a directory that holds anything else unless OVC_DIST_FORCE=1 (or `--force`), which writes next to those
files and never touches them. `--check` (the first step of `make synth`) also proves the output directory
can be written (exit 3 otherwise). Ctrl-C exits 130 (SIGTERM 143) with one line, from the first line on.
"""
import os
import sys

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
PROG = "apps/main.py"

from ovc_constructs import interrupts  # noqa: E402  (standard library only)

try:
    if __name__ == "__main__":
        interrupts.install()  # before the heavy imports: an early Ctrl-C or SIGTERM is the same one line
    from pathlib import Path

    from ovc_constructs.cli import EXIT_BAD_INPUT, one_line_errors, run_interruptibly, writing
    from ovc_constructs.environment import InvalidEnvironment
    from ovc_constructs.files import check_writable
except KeyboardInterrupt as interrupt:
    sys.exit(interrupts.report(PROG, interrupt))

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    return run_interruptibly(PROG, lambda: _main(argv))


@one_line_errors
def _main(argv: list[str]) -> int:
    """`--check` only validates every environment file and the output directory (what `make synth` runs
    before cdk8s synth, so that a refusal is one clean line)."""
    from ovc_constructs.synth import MANIFEST, check_output, load_all, output_names, publish, synthesize

    environments_dir = Path(os.environ.get("OVC_ENVIRONMENTS", ROOT / "apps" / "environments"))
    dist = Path(os.environ.get("OVC_DIST", ROOT / "dist"))
    files = sorted(environments_dir.glob("*.yaml"))
    if not files:
        print(f"{environments_dir}: no *.yaml environment files", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        environments = load_all(files)
    except InvalidEnvironment as error:
        for line in error.lines:
            print(line.lstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
    force = "--force" in argv or os.environ.get("OVC_DIST_FORCE", "") not in ("", "0")
    # A directory holding other files, or a file of ours changed by someone: one line, exit 2, before synthesizing.
    check_output(dist, force=force, names=[n for e in environments for n in output_names(e.name)])
    if "--check" in argv:
        with writing(dist):  # what publish needs: the directory (made if missing) takes a new file; else exit 3 here
            check_writable(dist / MANIFEST)
        print(f"{len(environments)} environment file(s) ok: {', '.join(e.name for e in environments)}")
        return 0
    scratch = Path(os.environ.get("CDK8S_OUTDIR", ROOT / ".cdk8s.out"))
    with writing(dist):  # a failing file system: one line, exit 3, every file in dist/ old or new
        scratch.mkdir(parents=True, exist_ok=True)
        for path in publish(synthesize(environments, scratch), dist, complete=True, force=force):
            print(f"published {path}")
    return 0


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except KeyboardInterrupt as error:  # between the imports and main's own handling
        code = interrupts.report(PROG, error)
    interrupts.ignore()  # the status is decided; a late signal must not break jsii's exit (atexit)
    sys.exit(code)
