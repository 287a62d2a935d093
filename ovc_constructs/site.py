"""Where components run: the controller nodes and networks of one G8."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Optional

from .arguments import check_fields
from .environment import POD_NETWORK_CIDR, IPv4, DnsSubdomain, Environment, Image, LabelKey, PrivateIPv4Network, PublicAddress


@dataclass(frozen=True)
class ControllerNode:
    """A controller: the Kubernetes node `name` and its addresses, checked like the environment file's nodes."""

    name: DnsSubdomain
    management_ip: IPv4
    public_ip: PublicAddress
    backplane_ip: Optional[IPv4] = None

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class Site:
    """The controller nodes and networks that every component of a G8 shares.

    Components take a `Site` instead of the whole environment file, so they stay usable in charts that
    have no environment file at all.
    """

    nodes: tuple[ControllerNode, ...]
    management_cidr: PrivateIPv4Network
    backplane_cidr: Optional[PrivateIPv4Network] = None
    image_pull_secrets: tuple[DnsSubdomain, ...] = ()
    helper_image: Image = "busybox:1.36"
    node_selector_key: LabelKey = field(default="kubernetes.io/hostname")
    pod_cidr: PrivateIPv4Network = POD_NETWORK_CIDR
    """The cluster's pod network: where kube-proxy's masquerade puts clients of a single-instance internal service."""

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.nodes:
            raise ValueError("Site needs at least one controller node, got none")
        strangers = [n for n in self.nodes if not isinstance(n, ControllerNode)]
        if strangers:
            raise TypeError(f"Site.nodes: expected ControllerNode items, got {type(strangers[0]).__name__}: {strangers[0]!r:.80}")
        names = [n.name for n in self.nodes]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"Site.nodes: node names must be unique, {twice} appear more than once")
        network = ipaddress.IPv4Network(self.management_cidr)
        outside = [n.management_ip for n in self.nodes if ipaddress.IPv4Address(n.management_ip) not in network]
        if outside:
            raise ValueError(f"management IPs {outside} are not inside management_cidr {self.management_cidr}")

    @classmethod
    def from_environment(cls, environment: Environment) -> "Site":
        backplane = environment.networks.backplane
        return cls(
            nodes=tuple(
                ControllerNode(n.name, environment.address(n, "management") or "", (n.public_ip or "").split("/")[0],
                               environment.address(n, "backplane"))
                for n in environment.controllers
            ),
            management_cidr=environment.networks.management.cidr,
            backplane_cidr=backplane.cidr if backplane else None,
            image_pull_secrets=tuple(environment.image_pull_secrets),
            helper_image=environment.helper_image,
            pod_cidr=environment.networks.pods.cidr,
        )

    @property
    def node_names(self) -> list[str]:
        return [n.name for n in self.nodes]

    @property
    def management_ips(self) -> list[str]:
        return [n.management_ip for n in self.nodes]

    @property
    def public_ips(self) -> list[str]:
        return [n.public_ip for n in self.nodes]

    @property
    def internal_ips(self) -> list[str]:
        """Where internal services are published: the management IPs, then the backplane IPs the nodes dial."""
        return self.management_ips + [n.backplane_ip for n in self.nodes if n.backplane_ip]

    @property
    def internal_cidrs(self) -> list[str]:
        """The networks admitted to internal services."""
        return [self.management_cidr] + ([self.backplane_cidr] if self.backplane_cidr else [])
