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
    identities = commands.add_parser(
        "syncthing-identities",
        help="create (or reuse) each node's BillingSync certificate and key in DIR, print the device IDs, write the Secret manifest",
    )
    identities.add_argument("--env", required=True, type=Path, help="environment file")
    identities.add_argument("--out", required=True, type=Path, help="directory for the keys; never inside dist/ or committed")
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(json.dumps(Environment.model_json_schema(), indent=2, sort_keys=True))
        return 0
    try:
        if args.command == "syncthing-identities":
            return _identities(load_environment(args.env, identities_required=False), args.env, args.out)
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


def _identities(environment: Environment, source: Path, out: Path) -> int:
    from .syncthing import secret_manifest, write_identities

    resolved = out.resolve()
    if "dist" in resolved.parts or resolved.name.startswith("."):
        print(f"{out}: refusing to write keys into an output or hidden directory; choose e.g. ./secrets/{environment.name}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    names = [n.name for n in environment.nodes]
    ids = write_identities(names, resolved)
    manifest = resolved / f"{environment.billing_sync.secret_name}-secret.yaml"
    manifest.touch(mode=0o600)
    manifest.write_text(secret_manifest(environment.billing_sync.secret_name, environment.namespace, names, resolved))
    print(f"# device IDs for {source} (public; paste under nodes[]):")
    for name in names:
        print(f"#   - name: {name}\n#     syncthing_device_id: {ids[name]}")
    print(f"# private keys and API key: {resolved} (keep out of git)")
    print(f"# create the Secret: kubectl apply -f {manifest}")
    mismatched = [n.name for n in environment.nodes if n.syncthing_device_id and n.syncthing_device_id != ids[n.name]]
    if mismatched:
        print(f"{source}: nodes {mismatched} list a different syncthing_device_id than the keys in {resolved}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
