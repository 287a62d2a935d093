"""Typed cdk8s constructs for the OpenvCloud G8 controller stack."""
from .chart import G8Chart
from .component import Component, Exposure, ServicePort
from .environment import Environment, InvalidEnvironment, load_environment, parse_environment
from .mongo import ReplicatedMongo
from .osis import OsisDaemon
from .site import ControllerNode, Site

__all__ = [
    "Component",
    "ControllerNode",
    "Environment",
    "Exposure",
    "G8Chart",
    "InvalidEnvironment",
    "OsisDaemon",
    "ReplicatedMongo",
    "ServicePort",
    "Site",
    "load_environment",
    "parse_environment",
]
