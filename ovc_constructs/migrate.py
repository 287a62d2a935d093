"""`migrate-env`: an environment file of the controller-only format (ovc_constructs 0.1) in today's form.

The old file described the controllers only; what it cannot know (the grid id, the itsyou.online
organization) is given on the command line, the rest is derived: the subdomain and base domain from
`domain`, each controller's management address as an explicit address, image tags as release overrides.
"""
from __future__ import annotations

import ipaddress
from typing import Optional

from .environment import IMAGE_REF, RELEASE_IMAGES, Release, floating_pins


def migrate(old: dict, *, grid_id: int, client_id: str, iyo_environment: Optional[str] = None) -> tuple[dict, list[str]]:
    """The new environment data and one note per value that could not be carried over."""
    notes: list[str] = []
    data = dict(old)
    domain = str(data.pop("domain", ""))
    subdomain, _, basedomain = domain.partition(".")
    management = data.pop("management", {}) or {}
    pxe = dict(data.get("pxe") or {})
    cidr = str(management.get("cidr", ""))
    gateway = pxe.pop("gateway", None) or str(next(ipaddress.IPv4Network(cidr).hosts())) if cidr else ""
    if data.get("pxe"):
        data["pxe"] = pxe  # its gateway is now the management network's
    else:
        notes.append(f"networks.management.gateway set to {gateway}, the first host of {cidr}; correct it if the gateway is elsewhere")
    portal = dict(data.get("portal") or {})
    if "data_host_path" in portal:
        notes.append(f"portal.data_host_path {portal.pop('data_host_path')!r} dropped: the portal's code now comes from its image")
    if "secret_name" in (portal.get("tls") or {}):
        tls = dict(portal["tls"])
        notes.append(f"portal.tls.secret_name {tls.pop('secret_name')!r} dropped: nginx uses the Secrets tls-<name> of certificates "
                     "(docs/secrets.md); set certificates.root to the part after tls-")
        portal["tls"] = tls
    if data.get("portal"):
        data["portal"] = portal
    nodes = []
    for node in data.pop("nodes", []) or []:
        entry = {"name": node.get("name"), "roles": ["controller"], "addresses": {"management": node.get("management_ip")},
                 "public_ip": node.get("public_ip")}
        if node.get("syncthing_device_id"):
            entry["syncthing_device_id"] = node["syncthing_device_id"]
        nodes.append(entry)
    images: dict[str, str] = {}
    for (section, field), name in RELEASE_IMAGES.items():
        settings = data.get(section)
        if not isinstance(settings, dict) or field not in settings:
            continue
        image = str(settings.pop(field))
        match = IMAGE_REF.match(image)
        repository = f"{match['registry']}/{match['repository']}" if match and match["registry"] else (match["repository"] if match else "")
        if repository == name and match and match["tag"]:
            images[name] = match["tag"] + (f"@{match['digest']}" if match["digest"] else "")
        else:
            notes.append(f"{section}.{field} {image!r} dropped: {section} now runs the release's {name}")
    version = str((data.get("release") or {}).get("version", Release().version))
    pins = floating_pins(version, images)
    images.update(pins)
    notes += [f"release {version} gives {name} the tag 'latest'; pinned to {tag}" for name, tag in pins.items()]
    new = {
        "name": data.pop("name", subdomain),
        "grid_id": grid_id,
        "subdomain": subdomain,
        "basedomain": basedomain,
        **({"namespace": data.pop("namespace")} if "namespace" in data else {}),
        "release": {"images": images} if images else {},
        "networks": {"management": {"cidr": cidr, "gateway": gateway}},
        "nodes": nodes,
        "itsyouonline": {"client_id": client_id, "environment": iyo_environment or subdomain},
        **data,
    }
    if not new["release"]:
        del new["release"]
    return new, notes
