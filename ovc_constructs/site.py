"""Where components run: the controller nodes and networks of one G8."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .environment import Environment


@dataclass(frozen=True)
class ControllerNode:
    name: str
    management_ip: str
    public_ip: str


@dataclass(frozen=True)
class Site:
    """The controller nodes and networks that every component of a G8 shares.

    Components take a `Site` instead of the whole environment file, so they stay usable in charts that
    have no environment file at all.
    """

    nodes: tuple[ControllerNode, ...]
    management_cidr: str
    image_pull_secrets: tuple[str, ...] = ()
    helper_image: str = "busybox:1.36"
    node_selector_key: str = field(default="kubernetes.io/hostname")

    def __post_init__(self) -> None:
        if not self.nodes:
            raise ValueError("Site needs at least one controller node, got none")
        network = ipaddress.IPv4Network(self.management_cidr)
        outside = [n.management_ip for n in self.nodes if ipaddress.IPv4Address(n.management_ip) not in network]
        if outside:
            raise ValueError(f"management IPs {outside} are not inside management_cidr {self.management_cidr}")

    @classmethod
    def from_environment(cls, environment: Environment) -> "Site":
        return cls(
            nodes=tuple(ControllerNode(n.name, n.management_ip, n.public_ip) for n in environment.nodes),
            management_cidr=environment.management.cidr,
            image_pull_secrets=tuple(environment.image_pull_secrets),
            helper_image=environment.helper_image,
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
