"""Typed cdk8s constructs for the OpenvCloud G8 controller stack.

Names load on first use (PEP 562), so the command line (`validate`, `config-value`, ...) does not start
the jsii runtime unless it synthesizes.
"""
from importlib import import_module
from typing import TYPE_CHECKING

# The one version of the distribution: setup.py reads this line without importing the package.
__version__ = "0.1.0"

# Importing the library changes no environment variable of the caller: the programs (`ovc`, `python -m
# ovc_constructs`, apps/main.py) silence jsii's Node end-of-life banner for themselves, a library user
# sets JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION (README, "Installing the library").
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
    "AgentSettings": "environment",
    "BillingSyncSettings": "environment",
    "Certificates": "environment",
    "GrafanaSettings": "environment",
    "InfluxSettings": "environment",
    "ManagementSettings": "environment",
    "MongoBackup": "environment",
    "MongoSettings": "environment",
    "OsisSettings": "environment",
    "PortalSettings": "environment",
    "PublicSettings": "environment",
    "PxeSettings": "environment",
    "QaSettings": "environment",
    "Reservation": "environment",
    "Resources": "environment",
    "ServiceSettings": "environment",
    "StatsCollectorSettings": "environment",
    "SyncFolder": "environment",
    "TlsSettings": "environment",
    "UptimeMonitorSettings": "environment",
    "VersionsSettings": "environment",
    "VirtualHost": "environment",
    "ZeroAccessSettings": "environment",
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

if TYPE_CHECKING:  # what type checkers see (`X as X`: re-exported); at run time __getattr__ imports on first use
    from .agents import (
        AgentController as AgentController,
        GeneralJsAgent as GeneralJsAgent,
    )
    from .billing_sync import (
        BillingSync as BillingSync,
    )
    from .chart import (
        G8Chart as G8Chart,
    )
    from .component import (
        Component as Component,
        Exposure as Exposure,
        HostDirectory as HostDirectory,
        ServicePort as ServicePort,
    )
    from .controller_pods import (
        ControllerService as ControllerService,
        Management as Management,
        OvcVersions as OvcVersions,
        Qa as Qa,
        UptimeMonitor as UptimeMonitor,
        ZeroAccess as ZeroAccess,
    )
    from .environment import (
        AgentSettings as AgentSettings,
        BillingSyncSettings as BillingSyncSettings,
        Certificates as Certificates,
        Environment as Environment,
        GrafanaSettings as GrafanaSettings,
        InfluxSettings as InfluxSettings,
        InvalidEnvironment as InvalidEnvironment,
        load_environment as load_environment,
        ManagementSettings as ManagementSettings,
        MongoBackup as MongoBackup,
        MongoSettings as MongoSettings,
        OsisSettings as OsisSettings,
        parse_environment as parse_environment,
        PortalSettings as PortalSettings,
        PublicSettings as PublicSettings,
        PxeSettings as PxeSettings,
        QaSettings as QaSettings,
        Reservation as Reservation,
        Resources as Resources,
        ServiceSettings as ServiceSettings,
        StatsCollectorSettings as StatsCollectorSettings,
        SyncFolder as SyncFolder,
        TlsSettings as TlsSettings,
        UptimeMonitorSettings as UptimeMonitorSettings,
        VersionsSettings as VersionsSettings,
        VirtualHost as VirtualHost,
        ZeroAccessSettings as ZeroAccessSettings,
    )
    from .host_directories import (
        HostDirectories as HostDirectories,
    )
    from .mongo import (
        MongoAuth as MongoAuth,
        ReplicatedMongo as ReplicatedMongo,
    )
    from .osis import (
        OsisDaemon as OsisDaemon,
    )
    from .portal import (
        PortalStack as PortalStack,
    )
    from .pxeboot import (
        PxeBoot as PxeBoot,
    )
    from .site import (
        ControllerNode as ControllerNode,
        Site as Site,
    )
    from .system_config import (
        SystemConfig as SystemConfig,
    )
    from .timeseries import (
        Grafana as Grafana,
        InfluxDb as InfluxDb,
        StatsCollector as StatsCollector,
    )
    from .versions_manifest import (
        VersionsManifest as VersionsManifest,
    )
else:  # for type checkers the names above are all there is: a misspelt one is an error, not Any

    def __getattr__(name: str) -> object:
        if name not in _EXPORTS:
            raise AttributeError(f"module 'ovc_constructs' has no attribute {name!r}")
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
