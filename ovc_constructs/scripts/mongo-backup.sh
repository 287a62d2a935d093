#!/bin/sh
# Dump the replica set into /backup (a host path that BillingSync copies to every controller).
# Env: MONGO_HOSTS (rs0/host:port,...), RETENTION_DAYS, BACKUP_DIR (default /backup),
#      AUTH_DIR (default /auth; with access control it holds the username and password files).
# Writes mongo-<UTC timestamp>.archive.gz atomically (.partial until mongodump succeeded). Retention removes
# only this job's completed archives older than RETENTION_DAYS, and only after a new archive was written.
set -eu
dir="${BACKUP_DIR:-/backup}"
archive="$dir/mongo-$(date -u +%Y%m%dT%H%M%SZ).archive.gz"
auth="${AUTH_DIR:-/auth}"
set --
[ -f "$auth/username" ] && set -- --username "$(cat "$auth/username")" --password "$(cat "$auth/password")" --authenticationDatabase admin
mongodump --host "$MONGO_HOSTS" --readPreference secondaryPreferred --oplog --gzip --archive="$archive.partial" "$@"
mv "$archive.partial" "$archive"
echo "wrote $archive"
find "$dir" -maxdepth 1 -type f -name 'mongo-*.archive.gz' -mtime +"$RETENTION_DAYS" -print -exec rm -f {} \;
