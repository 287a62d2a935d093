"""Typed cdk8s constructs for the OpenvCloud G8 controller stack."""
import os

# jsii prints a large end-of-life banner on Node 20, the Node of our build machines.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from .agents import AgentController, GeneralJsAgent
from .billing_sync import BillingSync
from .chart import G8Chart
from .controller_pods import ControllerService, Management, OvcVersions, Qa, UptimeMonitor, ZeroAccess
from .component import Component, Exposure, ServicePort
from .environment import Environment, InvalidEnvironment, load_environment, parse_environment
from .mongo import MongoAuth, ReplicatedMongo
from .osis import OsisDaemon
from .portal import PortalStack
from .pxeboot import PxeBoot
from .timeseries import Grafana, InfluxDb, StatsCollector
from .site import ControllerNode, Site

__all__ = [
    "ControllerService",
    "Management",
    "OvcVersions",
    "PxeBoot",
    "Qa",
    "UptimeMonitor",
    "ZeroAccess",
    "BillingSync",
    "Grafana",
    "InfluxDb",
    "StatsCollector",
    "AgentController",
    "GeneralJsAgent",
    "PortalStack",
    "Component",
    "ControllerNode",
    "Environment",
    "Exposure",
    "G8Chart",
    "InvalidEnvironment",
    "OsisDaemon",
    "MongoAuth",
    "ReplicatedMongo",
    "ServicePort",
    "Site",
    "load_environment",
    "parse_environment",
]
