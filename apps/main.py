"""The cdk8s app: one chart per file in apps/environments/, published to dist/.

`cdk8s synth` empties its own output directory (`.cdk8s.out`, see cdk8s.yaml) before running this
app. The app validates every environment file first, synthesizes into that scratch directory, and only
then publishes the result into `dist/` (or $OVC_DIST) one atomic file replacement at a time, so a bad
file or an interruption never destroys the previous output. It writes only `<name>.k8s.yaml` files and
its record `.ovc-dist.json`; it removes only files that record proves it wrote, and refuses a directory
that holds anything else unless OVC_DIST_FORCE=1 (or `--force`), which writes next to those files and
never touches them. Ctrl-C exits 130 (SIGTERM 143) with one line.
"""
import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ovc_constructs.cli import EXIT_BAD_INPUT, _one_line_errors, _writing, run_interruptibly  # noqa: E402
from ovc_constructs.environment import InvalidEnvironment  # noqa: E402


def main(argv: list[str]) -> int:
    return run_interruptibly("apps/main.py", lambda: _main(argv))


@_one_line_errors
def _main(argv: list[str]) -> int:
    """`--check` only validates every environment file and the output directory (what `make synth` runs
    before cdk8s synth, so that a refusal is one clean line)."""
    from ovc_constructs.synth import check_output, load_all, publish, synthesize

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
    check_output(dist, force=force)  # a directory holding other files: one line, exit 2, before synthesizing
    if "--check" in argv:
        print(f"{len(environments)} environment file(s) ok: {', '.join(e.name for e in environments)}")
        return 0
    scratch = Path(os.environ.get("CDK8S_OUTDIR", ROOT / ".cdk8s.out"))
    with _writing(dist):  # a failing file system: one line, exit 3, every file in dist/ old or new
        scratch.mkdir(parents=True, exist_ok=True)
        for path in publish(synthesize(environments, scratch), dist, complete=True, force=force):
            print(f"published {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
