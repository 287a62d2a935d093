"""The cdk8s app: one chart per file in apps/environments/, published to dist/.

`cdk8s synth` empties its own output directory (`.cdk8s.out`, see cdk8s.yaml) before running this
app. The app validates every environment file first, synthesizes into that scratch directory, and only
then swaps the result into `dist/` (or $OVC_DIST), so a bad file never destroys the previous output.
"""
import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ovc_constructs.cli import EXIT_BAD_INPUT  # noqa: E402
from ovc_constructs.environment import InvalidEnvironment  # noqa: E402
from ovc_constructs.synth import load_all, publish, synthesize  # noqa: E402


def main(argv: list[str]) -> int:
    """`--check` only validates every environment file (what `make synth` runs before cdk8s synth)."""
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
    if "--check" in argv:
        print(f"{len(environments)} environment file(s) ok: {', '.join(e.name for e in environments)}")
        return 0
    scratch = Path(os.environ.get("CDK8S_OUTDIR", ROOT / ".cdk8s.out"))
    scratch.mkdir(parents=True, exist_ok=True)
    for path in publish(synthesize(environments, scratch), dist, replace_all=True):
        print(f"published {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
