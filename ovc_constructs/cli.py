"""`python -m ovc_constructs`: validate or synthesize one environment file."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from .environment import Environment, InvalidEnvironment, load_environment

EXIT_BAD_INPUT = 2


def _report(error: InvalidEnvironment) -> int:
    for line in error.lines:
        print(line, file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ovc_constructs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="synthesize one environment file into DIR/<name>.k8s.yaml")
    synth.add_argument("--env", required=True, type=Path, help="environment file")
    synth.add_argument("--out", default=Path("dist"), type=Path, help="output directory (default: dist)")
    validate = commands.add_parser("validate", help="only check an environment file")
    validate.add_argument("--env", required=True, type=Path, help="environment file")
    commands.add_parser("schema", help="print the JSON Schema of the environment file")
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(json.dumps(Environment.model_json_schema(), indent=2, sort_keys=True))
        return 0
    try:
        environment = load_environment(args.env)
        if args.command == "validate":
            print(f"{args.env}: ok ({environment.name}, {len(environment.nodes)} controller nodes)")
            return 0
        from .synth import synthesize_into  # jsii starts only when there is something to synthesize

        for path in synthesize_into([environment], args.out):
            print(path)
        return 0
    except InvalidEnvironment as error:
        return _report(error)
    except ValueError as error:  # a construct refused a value the file schema allowed
        print(f"{args.env}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
