"""Syncthing identities and configuration for BillingSync.

A device ID is the SHA-256 of the device certificate (DER), in base32, with a Luhn mod-32 check
character after every 13 characters, in groups of 7 (FACTS). The tests compare our computation with
the one of the real `syncthing` binary.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .files import template

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
DEVICE_ID = re.compile(r"^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$")
SYNC_PORT = 22000
DISCOVERY_PORT = 21027
GUI_ADDRESS = "127.0.0.1:8384"
API_KEY_PLACEHOLDER = "__API_KEY__"


def luhn32(text: str) -> str:
    """Syncthing's Luhn mod 32 check character over base32 text."""
    factor, total = 1, 0
    for char in text:
        addend = factor * BASE32.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return BASE32[(32 - total % 32) % 32]


def device_id_from_der(der: bytes) -> str:
    raw = base64.b32encode(hashlib.sha256(der).digest()).decode().rstrip("=")
    checked = "".join(raw[i:i + 13] + luhn32(raw[i:i + 13]) for i in range(0, 52, 13))
    return "-".join(checked[i:i + 7] for i in range(0, 56, 7))


def device_id_from_pem(pem: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return device_id_from_der(x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER))


def is_valid_device_id(value: str) -> bool:
    if not DEVICE_ID.match(value):
        return False
    checked = value.replace("-", "")
    return all(luhn32(checked[i:i + 13]) == checked[i + 13] for i in range(0, 56, 14))


def generate_identity() -> tuple[bytes, bytes]:
    """A new device certificate and key (PEM), like `syncthing generate` makes (ECDSA, CN=syncthing)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "syncthing")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=20 * 365))
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH, x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def new_api_key() -> str:
    return secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")


@dataclass(frozen=True)
class Peer:
    name: str
    device_id: str
    address: str


@dataclass(frozen=True)
class Folder:
    id: str
    path: str


def render_config(local: Peer, peers: list[Peer], folders: list[Folder]) -> str:
    """config.xml for one node: every peer as a device, every folder shared with every peer, nothing global."""
    device_refs = "".join(f"        <device id={quoteattr(p.device_id)}></device>\n" for p in peers)
    folder_xml = "".join(
        f"    <folder id={quoteattr(f.id)} label={quoteattr(f.id)} path={quoteattr(f.path)} type=\"readwrite\" "
        f"rescanIntervalS=\"60\" ignorePerms=\"false\" autoNormalize=\"true\">\n{device_refs}"
        "        <minDiskFree unit=\"%\">1</minDiskFree>\n    </folder>\n"
        for f in folders
    )
    device_xml = "".join(
        f"    <device id={quoteattr(p.device_id)} name={quoteattr(p.name)} compression=\"metadata\" introducer=\"false\">\n"
        f"        <address>{escape(f'tcp://{p.address}:{SYNC_PORT}')}</address>\n    </device>\n"
        for p in peers
    )
    return template("syncthing-config.xml").substitute(
        folders=folder_xml,
        devices=device_xml,
        gui_address=GUI_ADDRESS,
        api_key=API_KEY_PLACEHOLDER,
        listen_address=escape(f"tcp://{local.address}:{SYNC_PORT}"),
        discovery_port=DISCOVERY_PORT,
    )


def write_identities(node_names: list[str], out: Path) -> dict[str, str]:
    """Create (or reuse) one certificate and key per node under `out`; return node -> device ID."""
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    ids = {}
    for name in node_names:
        cert, key = out / f"{name}-cert.pem", out / f"{name}-key.pem"
        if not (cert.exists() and key.exists()):
            cert_pem, key_pem = generate_identity()
            cert.write_bytes(cert_pem)
            key.touch(mode=0o600)
            key.write_bytes(key_pem)
        ids[name] = device_id_from_pem(cert.read_bytes())
    api_key = out / "apikey"
    if not api_key.exists():
        api_key.touch(mode=0o600)
        api_key.write_text(new_api_key())
    return ids


def secret_manifest(secret_name: str, namespace: str, node_names: list[str], out: Path) -> str:
    """The Secret holding every node's pair and the API key, for `kubectl apply` (never committed)."""
    import yaml

    files = [f"{n}-{kind}.pem" for n in node_names for kind in ("cert", "key")] + ["apikey"]
    data = {f: base64.b64encode((out / f).read_bytes()).decode() for f in files}
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                           "metadata": {"name": secret_name, "namespace": namespace}, "data": data}, sort_keys=False)
