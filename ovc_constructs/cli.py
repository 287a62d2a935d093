"""`python -m ovc_constructs`: validate or synthesize one environment file."""
from __future__ import annotations

import argparse
import json
import shlex
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
    args = parser.parse_args(argv)

    if args.command == "schema":
        print(json.dumps(Environment.model_json_schema(), indent=2, sort_keys=True))
        return 0
    try:
        if args.command == "import-config":
            return _import_config(args.system_config, args.out, args.identities, args.namespace)
        if args.command == "config-value":
            return _config_value(args.system_config, args.path)
        if args.command == "migrate-env":
            return _migrate(args)
        if args.command == "syncthing-identities":
            return _identities(load_environment(args.env, identities_required=False), args.env, args.out)
        environment = load_environment(args.env)
        if args.command == "validate":
            print(f"{args.env}: ok ({environment.name}, {len(environment.nodes)} nodes, {len(environment.controllers)} controllers)")
            return 0
        from .synth import synthesize_into  # jsii starts only when there is something to synthesize

        for path in synthesize_into([environment], args.out):
            print(path)
        return 0
    except InvalidEnvironment as error:
        return _report(error)
    except ValueError as error:  # a construct refused a value the file schema allowed
        print(f"{getattr(args, 'env', None) or args.system_config}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _write(path: Path, data: dict, header: str) -> None:
    """Write an environment file whole or not at all."""
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(header + yaml.safe_dump(data, sort_keys=False, width=120), encoding="utf-8")
    temporary.replace(path)


def _import_config(source: Path, out: Path, identities: Optional[Path], namespace: str) -> int:
    from .environment import parse_environment
    from .installer.importer import load_system_config, secret_commands, secret_sources, to_environment
    from .syncthing import write_identities

    config = load_system_config(source)
    try:
        data, notes = to_environment(config)
    except ValueError as error:
        raise InvalidEnvironment(str(source), [("ssh.private-key", str(error))]) from None
    if namespace != "openvcloud":
        data["namespace"] = namespace
    parse_environment(data, f"{source} (imported)", identities_required=False)
    controllers = [n["name"] for n in data["nodes"] if "controller" in n["roles"]]
    keys = identities or Path("secrets") / data["name"] / "billing-sync"
    ids = write_identities(controllers, keys)
    for node in data["nodes"]:
        if node["name"] in ids:
            node["syncthing_device_id"] = ids[node["name"]]
    environment = parse_environment(data, f"{source} (imported)")
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
    ids = write_identities(names, resolved)
    manifest = resolved / f"{environment.billing_sync.secret_name}-secret.yaml"
    manifest.touch(mode=0o600)
    manifest.write_text(secret_manifest(environment.billing_sync.secret_name, environment.namespace, names, resolved))
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
