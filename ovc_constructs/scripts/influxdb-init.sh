#!/bin/sh
# Create the InfluxDB database once (busybox sh + wget). Idempotent: a database that exists is left alone.
# Env: INFLUX_URL (e.g. http://influxdb:8086), DATABASE (e.g. statistics).
set -eu
until wget -q -T 5 -O /dev/null "$INFLUX_URL/ping"; do
  echo "waiting for $INFLUX_URL"
  sleep 3
done
if wget -q -T 10 -O - "$INFLUX_URL/query?q=SHOW%20DATABASES" | grep -q "\[\"$DATABASE\"\]"; then
  echo "database $DATABASE exists"
  exit 0
fi
wget -q -T 10 -O - --post-data "q=CREATE DATABASE \"$DATABASE\"" "$INFLUX_URL/query"
echo "created database $DATABASE"
