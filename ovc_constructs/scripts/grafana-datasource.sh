#!/bin/sh
# Create Grafana's InfluxDB datasource once through the HTTP API (Grafana 3.1 has no file provisioning).
# busybox sh + wget; idempotent: an existing datasource of that name is left alone.
# Env: GRAFANA_URL, DATASOURCE_NAME, INFLUX_URL, DATABASE; the admin password is the file /secrets/admin-password.
set -eu
auth="admin:$(cat "${ADMIN_PASSWORD_FILE:-/secrets/admin-password}")"
base="${GRAFANA_URL%%://*}://$auth@${GRAFANA_URL#*://}"
until wget -q -T 5 -O /dev/null "$base/api/datasources"; do
  echo "waiting for $GRAFANA_URL"
  sleep 3
done
if wget -q -T 10 -O - "$base/api/datasources" | grep -q "\"name\":\"$DATASOURCE_NAME\""; then
  echo "datasource $DATASOURCE_NAME exists"
  exit 0
fi
body="{\"name\":\"$DATASOURCE_NAME\",\"type\":\"influxdb\",\"access\":\"proxy\",\"url\":\"$INFLUX_URL\",\"database\":\"$DATABASE\",\"isDefault\":true}"
wget -q -T 10 -O - --header "Content-Type: application/json" --post-data "$body" "$base/api/datasources"
echo "created datasource $DATASOURCE_NAME"
