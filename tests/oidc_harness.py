"""A real OpenID Connect provider for the sign-in tests: `oidc-provider-mock` in its own
process on a free loopback port, stopped by process id. Its sign-in form takes any
subject, and the subject typed there becomes the `email` claim."""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.harness import ROOT, _stop, _wait_until, free_port

# The app and the provider are both named "localhost": the sign-in cookies are set on
# the name the browser used, and the redirect URI must match it exactly.
HOST = "localhost"


@dataclass
class OIDCProvider:
    url: str  # the issuer, e.g. http://localhost:PORT
    proc: subprocess.Popen = field(repr=False)

    @property
    def metadata_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"

    def stop(self) -> None:
        _stop(self.proc)


def start_oidc_provider(workdir: Path) -> OIDCProvider:
    port = free_port()
    log = workdir / "oidc_provider.log"
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    provider = OIDCProvider(f"http://{HOST}:{port}", proc)
    try:
        _wait_until(
            lambda: requests.get(provider.metadata_url, timeout=2).status_code == 200,
            proc,
            "OIDC provider",
            60,
            log,
        )
    except BaseException:
        provider.stop()
        raise
    return provider


def auth_secrets_toml(provider: OIDCProvider, access: str) -> str:
    """A secrets.toml with Streamlit's `[auth]` for `provider` and the given roles block.
    `{port}` in the redirect URI is filled in by Streamlit with its own port."""
    return f"""
[auth]
redirect_uri = "http://{HOST}:{{port}}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "cekura-admin-test"
client_secret = "test-client-secret"
server_metadata_url = "{provider.metadata_url}"

{access}
"""
