"""Merge a G8's secret values into its system config at pod start (contract §1.4).

Runs with the python3 of the release image (phusion baseimage: Python 3.5), so only the standard
library and no syntax newer than 3.5. The config is JSON, which every reader loads as YAML.

usage: merge-system-config.py CONFIG FIELDS SECRETS_DIR OUT GROUPS
  FIELDS is a JSON list of {"path": [...], "file": "<secret>/<key>", "group": "..."}; only fields whose
  group is in the comma-separated GROUPS are merged. OUT is written atomically, mode 0600.
"""
import json
import os
import sys


def merge(config, fields, secrets_dir, groups):
    """Set every wanted secret value in `config`; return the fields whose file is missing."""
    missing = []
    for field in fields:
        if field["group"] not in groups:
            continue
        try:
            with open(os.path.join(secrets_dir, field["file"]), encoding="utf-8") as source:
                value = source.read()
        except (OSError, UnicodeDecodeError) as error:
            missing.append("%s (%s): %s" % (".".join(str(p) for p in field["path"]), field["file"], error))
            continue
        target = config
        for part in field["path"][:-1]:
            target = target[part] if isinstance(part, int) else target.setdefault(part, {})
        target[field["path"][-1]] = value
    return missing


def main(argv):
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    config_path, fields_path, secrets_dir, out_path, groups = argv[1:]
    with open(config_path, encoding="utf-8") as source:
        config = json.load(source)
    with open(fields_path, encoding="utf-8") as source:
        fields = json.load(source)
    wanted = set(group for group in groups.split(",") if group)
    missing = merge(config, fields, secrets_dir, wanted)
    for line in missing:
        sys.stderr.write("merge-system-config: no secret value for %s\n" % line)
    if missing:
        return 1
    temporary = out_path + ".tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(config, out, indent=2, sort_keys=True)
        out.write("\n")
    os.rename(temporary, out_path)
    merged = sum(1 for field in fields if field["group"] in wanted)
    print("merge-system-config: %d secret value(s) of %s merged into %s" % (merged, ",".join(sorted(wanted)) or "no group", out_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
