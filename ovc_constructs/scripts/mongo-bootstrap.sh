#!/bin/sh
# Sidecar of every member with access control; only mongo-0 acts (see mongo-bootstrap.js), then it idles.
set -u
case "$(hostname)" in
  *-0) ;;
  *) echo "only mongo-0 bootstraps"; exec sleep 2147483647 ;;
esac
until mongo --quiet --host 127.0.0.1 --eval 'quit(db.adminCommand({ping: 1}).ok ? 0 : 1)' >/dev/null 2>&1; do sleep 5; done
until mongo --quiet --host 127.0.0.1 /scripts/mongo-bootstrap.js; do
  echo "bootstrap not complete; retrying"
  sleep 10
done
touch /tmp/bootstrapped
exec sleep 2147483647
