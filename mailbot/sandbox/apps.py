"""App registrations, as Entra ID keeps them: which client may ask the sandbox's token endpoint for app-only tokens.

An app proves itself with a client secret or with a certificate whose private key signs a client assertion. The
token endpoint (identity.py) reads this registry; the Organisation holds one (`org.apps`, `org.register_app`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from threading import Lock

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey


@dataclass(frozen=True)
class AppRegistration:
    """One application in one tenant, with at most one client secret and one certificate (public part only)."""

    tenant_id: str
    client_id: str
    secret: str | None = field(default=None, repr=False)
    certificate_pem: str | None = field(default=None, repr=False)

    @property
    def thumbprints(self) -> frozenset[str]:
        """The certificate's SHA-1 and SHA-256 thumbprints in lower-case hex (assertions name it by either)."""
        certificate = self._certificate()
        if certificate is None:
            return frozenset()
        return frozenset(certificate.fingerprint(h).hex() for h in (hashes.SHA1(), hashes.SHA256()))

    def check_secret(self, given: str) -> bool:
        return self.secret is not None and secrets.compare_digest(given.encode(), self.secret.encode())

    def signing_key(self, thumbprint: str) -> RSAPublicKey | None:
        """The certificate's public key if `thumbprint` (hex) names it, else None."""
        certificate = self._certificate()
        if certificate is None or thumbprint.lower() not in self.thumbprints:
            return None
        key = certificate.public_key()
        return key if isinstance(key, RSAPublicKey) else None

    def _certificate(self) -> x509.Certificate | None:
        if self.certificate_pem is None:
            return None
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())


class AppRegistry:
    """Registered apps by (tenant, client id), both case-insensitive, and the tokens issued to them."""

    def __init__(self, token_lifetime: timedelta = timedelta(hours=1)) -> None:
        # Entra ID's default is about an hour; tests shorten it to watch clients renew their tokens.
        self.token_lifetime = token_lifetime
        self._lock = Lock()
        self._apps: dict[tuple[str, str], AppRegistration] = {}
        self._issued: list[tuple[str, str]] = []

    def register(
        self, tenant_id: str, client_id: str, *, secret: str | None = None, certificate_pem: str | None = None
    ) -> AppRegistration:
        """Add (or replace) an app; it needs a secret, a certificate, or both."""
        if not tenant_id.strip() or not client_id.strip():
            raise ValueError("An app registration needs a tenant id and a client id.")
        if secret is None and certificate_pem is None:
            raise ValueError(f"The app {client_id} needs a client secret or a certificate to prove itself with.")
        app = AppRegistration(tenant_id.strip(), client_id.strip(), secret, certificate_pem)
        if certificate_pem is not None:
            try:
                key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
            except ValueError:
                raise ValueError(f"The certificate of app {client_id} is not a PEM X.509 certificate.") from None
            if not isinstance(key, RSAPublicKey):
                raise ValueError(f"The certificate of app {client_id} must hold an RSA key, as Entra ID requires.")
        with self._lock:
            self._apps[(app.tenant_id.lower(), app.client_id.lower())] = app
        return app

    def find(self, tenant_id: str, client_id: str) -> AppRegistration | None:
        with self._lock:
            return self._apps.get((tenant_id.lower(), client_id.lower()))

    def knows_tenant(self, tenant_id: str) -> bool:
        """A tenant exists in the sandbox once an app is registered in it."""
        with self._lock:
            return any(tenant == tenant_id.lower() for tenant, _ in self._apps)

    def apps(self) -> list[AppRegistration]:
        with self._lock:
            return list(self._apps.values())

    def record_issued(self, client_id: str, token: str) -> None:
        with self._lock:
            self._issued.append((client_id, token))

    @property
    def issued(self) -> list[tuple[str, str]]:
        """(client id, access token) for every token issued so far, oldest first (tests count renewals)."""
        with self._lock:
            return list(self._issued)
