#!/bin/sh
# Wait until every member answers, then let mongo-rs-init.js initiate or grow the set.
# A failed attempt exits non-zero; the Job's backoff retries it.
set -eu
for host in $(sed -n 's/.*"members": *\[\(.*\)\].*/\1/p' /scripts/members.json | tr -d '" ' | tr ',' ' '); do
  until mongo --quiet --host "$host" --eval 'quit(db.adminCommand({ping: 1}).ok ? 0 : 1)' >/dev/null 2>&1; do
    echo "waiting for $host"
    sleep 5
  done
done
exec mongo --quiet --nodb /scripts/mongo-rs-init.js
