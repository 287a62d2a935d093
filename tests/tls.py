"""Throwaway certificates for config tests (never written into the repository or dist/)."""
from pathlib import Path

from ovc_constructs.syncthing import generate_identity


def write_self_signed(directory: Path) -> None:
    """A self-signed pair as tls.crt/tls.key; `nginx -t` checks that they load and match."""
    certificate, key = generate_identity()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tls.crt").write_bytes(certificate)
    (directory / "tls.key").write_bytes(key)
