"""A cdk8s project of its own that builds on ovc_constructs: three components used directly, with names of
its own, next to a cdk8s-plus Deployment allowed to reach the database.

Its `imports/` holds a binding made by `cdk8s import` (see cdk8s.yaml) under the very module name an older
wheel of the library installed, `imports.traefik_ingressroutetcp`; the library now builds its custom resources
as plain JSON and ships no bindings, so the two never meet.

    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 python main.py    # writes dist/orders.k8s.yaml
"""
from __future__ import annotations

import cdk8s
import cdk8s_plus_27 as kplus
from constructs import Construct

from imports.traefik_ingressroutetcp.io.traefik import (
    IngressRouteTcp,
    IngressRouteTcpSpec,
    IngressRouteTcpSpecRoutes,
    IngressRouteTcpSpecRoutesServices,
    IngressRouteTcpSpecRoutesServicesPort,
)
from ovc_constructs import ControllerNode, Grafana, InfluxDb, ReplicatedMongo, Site

API_PORT = 8080


def example_site() -> Site:
    """Three controllers: their management, public and backplane addresses, and the networks they are in."""
    nodes = tuple(ControllerNode(f"ctrl-{i:02d}", f"10.199.0.{10 + i}", f"185.69.164.{10 + i}", f"10.199.8.{10 + i}")
                  for i in (1, 2, 3))
    return Site(nodes=nodes, management_cidr="10.199.0.0/22", backplane_cidr="10.199.8.0/24")


class OrdersChart(cdk8s.Chart):
    """The orders service: its database, its metrics and dashboards, the API and its TCP route."""

    def __init__(self, scope: Construct, id: str, *, site: Site, namespace: str = "orders") -> None:
        super().__init__(scope, id, namespace=namespace)
        self.mongo = ReplicatedMongo(self, "db", site=site, name="orders-mongo")
        self.influxdb = InfluxDb(self, "tsdb", site=site, name="orders-influxdb")
        self.grafana = Grafana(self, "dash", influxdb=self.influxdb, domain="g8.example.com", subdomain="g8",
                               name="orders-grafana")
        self.api = kplus.Deployment(self, "api", replicas=2, containers=[kplus.ContainerProps(
            image="ghcr.io/example/orders-api:1.4.2",
            port_number=API_PORT,
            env_variables={"MONGO_URI": kplus.EnvValue.from_value(self.mongo.connection_uri)},
        )])
        self.api.connections.allow_to(self.mongo)  # egress from the API's pods, ingress on the mongo members
        service = self.api.expose_via_service(ports=[kplus.ServicePort(port=API_PORT)])
        IngressRouteTcp(self, "api-route", metadata=cdk8s.ApiObjectMetadata(name="orders-api"), spec=IngressRouteTcpSpec(
            entry_points=["orders"],
            routes=[IngressRouteTcpSpecRoutes(match="HostSNI(`*`)", services=[IngressRouteTcpSpecRoutesServices(
                name=service.name, port=IngressRouteTcpSpecRoutesServicesPort.from_number(API_PORT))])],
        ))


def main() -> None:
    app = cdk8s.App()
    OrdersChart(app, "orders", site=example_site())
    app.synth()


if __name__ == "__main__":
    main()
