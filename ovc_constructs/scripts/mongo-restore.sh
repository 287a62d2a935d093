#!/bin/sh
# Restore the replica set from a backup archive (operator-triggered; see docs/mongo.md).
# Env: MONGO_HOSTS (rs0/host:port,...), BACKUP_DIR (default /backup),
#      ARCHIVE (file name in BACKUP_DIR; default: the newest completed archive),
#      DROP=yes to drop each collection before restoring it (default: insert only, nothing is deleted),
#      AUTH_DIR (default /auth; with access control it holds the username and password files).
set -eu
dir="${BACKUP_DIR:-/backup}"
if [ -n "${ARCHIVE:-}" ]; then
  case "$ARCHIVE" in
    */*|*.partial) echo "ARCHIVE must be a completed archive's file name in $dir, got '$ARCHIVE'" >&2; exit 2 ;;
  esac
  file="$dir/$ARCHIVE"
else
  # Names embed a UTC timestamp, so the last in sorted order is the newest.
  file=$(ls -1 "$dir" 2>/dev/null | grep -E '^mongo-[0-9]{8}T[0-9]{6}Z\.archive\.gz$' | sort | tail -n 1)
  [ -n "$file" ] || { echo "no completed archive in $dir" >&2; exit 2; }
  file="$dir/$file"
fi
[ -f "$file" ] || { echo "no such archive: $file" >&2; exit 2; }
auth="${AUTH_DIR:-/auth}"
set --
[ -f "$auth/username" ] && set -- --username "$(cat "$auth/username")" --password "$(cat "$auth/password")" --authenticationDatabase admin
drop=""
[ "${DROP:-no}" = "yes" ] && drop="--drop"
echo "restoring $file${drop:+ (dropping collections first)}"
exec mongorestore --host "$MONGO_HOSTS" --oplogReplay --gzip --archive="$file" $drop "$@"
