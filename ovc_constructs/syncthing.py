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
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .files import UnsafeLocation, make_directory, template, write_atomically

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
DEVICE_ID = re.compile(r"^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$")
SYNC_PORT = 22000
DISCOVERY_PORT = 21027
GUI_ADDRESS = "127.0.0.1:8384"
API_KEY_PLACEHOLDER = "__API_KEY__"
LISTEN_PLACEHOLDER = "__LISTEN_ADDRESS__"


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


def escape(text: str) -> str:
    """XML character data: `xml.sax.saxutils.escape`, which is not imported because it loads urllib.request
    (about 8 ms of every synth)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(value: str) -> str:
    """An XML attribute value with its quotes, exactly as `xml.sax.saxutils.quoteattr` writes it."""
    value = escape(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))


@dataclass(frozen=True)
class Folder:
    id: str
    path: str


def render_shared_config(peers: list[Peer], folders: list[Folder]) -> str:
    """The config.xml every node shares: every peer as a device, every folder shared with every peer, nothing
    global; the node's own listen address is `__LISTEN_ADDRESS__`, filled in at start-up (`local_config`).

    One shared document keeps the BillingSync ConfigMap linear in the number of controllers (one config per
    node, each listing every peer, grew with its square: 2.1 MB, over the 1 MiB limit, at 50 nodes).
    """
    device_refs = "".join(f"        <device id={quoteattr(p.device_id)}></device>\n" for p in peers)
    folder_xml = "".join(
        f"    <folder id={quoteattr(f.id)} label={quoteattr(f.id)} path={quoteattr(f.path)} type=\"readwrite\" "
        f"rescanIntervalS=\"60\" ignorePerms=\"false\" autoNormalize=\"true\">\n{device_refs}"
        "        <minDiskFree unit=\"%\">1</minDiskFree>\n    </folder>\n"
        for f in folders
    )
    device_xml = "".join(
        f"    <device id={quoteattr(p.device_id)} name={quoteattr(p.name)} compression=\"metadata\" introducer=\"false\">\n"
        f"        <address>{escape(listen_address(p.address))}</address>\n    </device>\n"
        for p in peers
    )
    return template("syncthing-config.xml").substitute(
        folders=folder_xml,
        devices=device_xml,
        gui_address=GUI_ADDRESS,
        api_key=API_KEY_PLACEHOLDER,
        listen_address=LISTEN_PLACEHOLDER,
        discovery_port=DISCOVERY_PORT,
    )


def listen_address(address: str) -> str:
    return f"tcp://{address}:{SYNC_PORT}"


def local_config(shared: str, address: str) -> str:
    """One node's config.xml from the shared one, as the init container makes it (`sed`)."""
    return shared.replace(LISTEN_PLACEHOLDER, escape(listen_address(address)))


def render_config(local: Peer, peers: list[Peer], folders: list[Folder]) -> str:
    """config.xml for one node (the shared config with the node's listen address)."""
    return local_config(render_shared_config(peers, folders), local.address)


def write_identities(node_names: list[str], out: Path, also: tuple[str, ...] = ()) -> dict[str, str]:
    """Create (or reuse) one certificate and key per node under `out`; return node -> device ID.

    Every file is written 0600 and atomically (`write_atomically`); `out` and its files (and the names in
    `also`, which the caller writes next) must not be symbolic links nor files git would commit
    (UnsafeLocation); a reused key readable by others is made 0600."""
    files = [out / f"{name}-{kind}.pem" for name in node_names for kind in ("cert", "key")] + [out / "apikey"]
    refuse_unsafe_key_location(out, files + [out / name for name in also])
    make_directory(out, 0o700)
    ids = {}
    for name in node_names:
        cert, key = out / f"{name}-cert.pem", out / f"{name}-key.pem"
        if not (cert.exists() and key.exists()):
            cert_pem, key_pem = generate_identity()
            write_atomically(key, key_pem)
            write_atomically(cert, cert_pem)
        ids[name] = device_id_from_pem(cert.read_bytes())
    api_key = out / "apikey"
    if not api_key.exists():
        write_atomically(api_key, new_api_key().encode())
    for path in files:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    return ids


def refuse_unsafe_key_location(out: Path, files: list[Path]) -> None:
    """UnsafeLocation when `out` or one of `files` is a symbolic link, or git would commit one of the files:
    inside a work tree and not ignored (without git, or outside a work tree, anything else is allowed)."""
    for path in [out, *files]:
        if path.is_symlink():
            raise UnsafeLocation(f"{path}: is a symbolic link; private keys are never written through one, give the real directory")
    existing = out.absolute()
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    git = ["git", "-C", str(existing)]
    try:
        inside = subprocess.run([*git, "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True, timeout=60)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return
        ignored = subprocess.run([*git, "check-ignore", "-z", "--stdin"], input="\0".join(str(f.absolute()) for f in files),
                                 capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):  # no git: nothing to commit them
        return
    listed = set(ignored.stdout.split("\0"))
    if ignored.returncode not in (0, 1) or any(str(f.absolute()) not in listed for f in files):
        raise UnsafeLocation(f"{out}: inside the git work tree and not ignored by git, so the private keys could be "
                             "committed; choose an ignored directory such as secrets/<name> or one outside the repository")


def secret_manifest(secret_name: str, namespace: str, node_names: list[str], out: Path) -> str:
    """The Secret holding every node's pair and the API key, for `kubectl apply` (never committed)."""
    import yaml

    files = [f"{n}-{kind}.pem" for n in node_names for kind in ("cert", "key")] + ["apikey"]
    data = {f: base64.b64encode((out / f).read_bytes()).decode() for f in files}
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                           "metadata": {"name": secret_name, "namespace": namespace}, "data": data}, sort_keys=False)
