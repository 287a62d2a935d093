"""Typed cdk8s constructs for the OpenvCloud G8 controller stack.

Names load on first use (PEP 562), so the command line (`validate`, `config-value`, ...) does not start
the jsii runtime unless it synthesizes.
"""
import os
from importlib import import_module

# jsii prints a large end-of-life banner on Node 20, the Node of our build machines.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

_EXPORTS = {
    "AgentController": "agents",
    "GeneralJsAgent": "agents",
    "BillingSync": "billing_sync",
    "G8Chart": "chart",
    "ControllerService": "controller_pods",
    "Management": "controller_pods",
    "OvcVersions": "controller_pods",
    "Qa": "controller_pods",
    "UptimeMonitor": "controller_pods",
    "ZeroAccess": "controller_pods",
    "Component": "component",
    "Exposure": "component",
    "HostDirectory": "component",
    "HostDirectories": "host_directories",
    "ServicePort": "component",
    "Environment": "environment",
    "InvalidEnvironment": "environment",
    "load_environment": "environment",
    "parse_environment": "environment",
    "MongoAuth": "mongo",
    "ReplicatedMongo": "mongo",
    "OsisDaemon": "osis",
    "PortalStack": "portal",
    "PxeBoot": "pxeboot",
    "VersionsManifest": "versions_manifest",
    "SystemConfig": "system_config",
    "Grafana": "timeseries",
    "InfluxDb": "timeseries",
    "StatsCollector": "timeseries",
    "ControllerNode": "site",
    "Site": "site",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ovc_constructs' has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(list(globals()) + __all__)
