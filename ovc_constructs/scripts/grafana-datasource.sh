#!/bin/sh
# Create Grafana's InfluxDB datasource once through the HTTP API (Grafana 3.1 has no file provisioning).
# busybox sh + wget; idempotent: an existing datasource of that name is left alone.
# Env: GRAFANA_URL, DATASOURCE_NAME, INFLUX_URL, DATABASE; the admin password is read from the file
# ADMIN_PASSWORD_FILE (default /secrets/admin-password) and sent as a header, never in a URL.
set -eu
password=$(cat "${ADMIN_PASSWORD_FILE:-/secrets/admin-password}")
authorization="Authorization: Basic $(printf 'admin:%s' "$password" | base64 | tr -d '\n')"
api() {
  timeout 10 wget -q -O - --header "$authorization" "$@"
}
until api "$GRAFANA_URL/api/datasources" >/dev/null; do
  echo "waiting for $GRAFANA_URL"
  sleep 3
done
if api "$GRAFANA_URL/api/datasources" | grep -q "\"name\":\"$DATASOURCE_NAME\""; then
  echo "datasource $DATASOURCE_NAME exists"
  exit 0
fi
body="{\"name\":\"$DATASOURCE_NAME\",\"type\":\"influxdb\",\"access\":\"proxy\",\"url\":\"$INFLUX_URL\",\"database\":\"$DATABASE\",\"isDefault\":true}"
api --header "Content-Type: application/json" --post-data "$body" "$GRAFANA_URL/api/datasources"
echo "created datasource $DATASOURCE_NAME"
