"""Self-signed certificates for the TLS tests, made by the ``openssl`` CLI."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

OPENSSL = "/usr/bin/openssl"


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""

    certfile: Path
    keyfile: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting only this certificate."""
        return ssl.create_default_context(cafile=str(self.certfile))


def make_certificate(folder: Path) -> Certificate:
    """A fresh self-signed P-256 certificate in ``folder``, made by the openssl CLI."""
    openssl = shutil.which(OPENSSL) or shutil.which("openssl")
    assert openssl is not None, "the openssl CLI is not installed"
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    made = subprocess.run(  # noqa: S603 - a fixed argv naming the installed openssl, no shell
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(keyfile),
            "-out",
            str(certfile),
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert made.returncode == 0, made.stderr.decode(errors="replace")
    return Certificate(certfile, keyfile)
