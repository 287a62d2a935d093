#!/bin/sh
# Create the InfluxDB database once (busybox sh + wget). Idempotent: a database that exists is left alone.
# Env: INFLUX_URL (e.g. http://influxdb:8086), DATABASE (e.g. statistics).
set -eu
until timeout 5 wget -q -O /dev/null "$INFLUX_URL/ping"; do
  echo "waiting for $INFLUX_URL"
  sleep 3
done
if timeout 10 wget -q -O - "$INFLUX_URL/query?q=SHOW%20DATABASES" | grep -q "\[\"$DATABASE\"\]"; then
  echo "database $DATABASE exists"
  exit 0
fi
timeout 10 wget -q -O - --post-data "q=CREATE DATABASE \"$DATABASE\"" "$INFLUX_URL/query"
echo "created database $DATABASE"
