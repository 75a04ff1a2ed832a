"""Throwaway TLS for the sandbox: a certificate authority made on the spot, and a server certificate it signed.

msal only talks to an https authority, and exchangelib only sends bearer tokens over https, so OAuth tests need
the sandbox on TLS. Clients trust the CA through `ca_bundle_path` or `requests_session()`.

Certificates are dated by the machine's clock, not the sandbox's: OpenSSL checks them against the wall clock.
"""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1")
_PEM = serialization.Encoding.PEM


class SandboxCA:
    """A certificate authority and a server certificate for `hosts`, written as PEM files into `directory`
    (a private temporary directory when none is given; `close()` removes that one)."""

    def __init__(self, directory: Path | None = None, hosts: tuple[str, ...] = DEFAULT_HOSTS) -> None:
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="sandbox-ca-")
            directory = Path(self._tempdir.name)
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)  # OpenSSL judges validity by the wall clock (see the module docstring)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailbot sandbox test CA")])
        ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
        ca_cert = (
            _builder(ca_name, ca_name, ca_key.public_key(), now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(ca_ski, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
        server_cert = (
            _builder(server_name, ca_name, server_key.public_key(), now)
            .add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_pem = ca_cert.public_bytes(_PEM)
        self.ca_bundle_path = self.directory / "ca.pem"
        self.ca_bundle_path.write_bytes(self.ca_pem)
        self.server_cert_path = self.directory / "server.pem"
        self.server_cert_path.write_bytes(server_cert.public_bytes(_PEM) + self.ca_pem)
        # RFC 5929 tls-server-end-point: the certificate's hash (SHA-256, as it is signed with), which NTLM over HTTPS
        # binds a logon to (Windows Extended Protection), so a logon relayed through another TLS channel fails.
        self.channel_binding = b"tls-server-end-point:" + server_cert.fingerprint(hashes.SHA256())
        self.server_key_path = self.directory / "server-key.pem"
        self.server_key_path.touch(mode=0o600)
        self.server_key_path.write_bytes(_private_pem(server_key))

    def server_context(self) -> ssl.SSLContext:
        """A server-side context presenting the server certificate (with the CA in its chain)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.server_cert_path, self.server_key_path)
        return context

    def requests_session(self) -> requests.Session:
        """A requests Session that trusts this CA and nothing else, whatever the environment says.

        requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override Session.verify, and picks proxies from the
        environment; `trust_env = False` turns both off, so the test CA is what decides.
        """
        session = requests.Session()
        session.trust_env = False
        session.verify = str(self.ca_bundle_path)
        return session

    def close(self) -> None:
        if self._tempdir is not None:
            self._tempdir.cleanup()


@dataclass(frozen=True)
class AppCertificate:
    """An app's credential for client assertions: its private key, its self-signed certificate, and the
    certificate's SHA-1 thumbprint in upper-case hex, as the Azure portal shows it."""

    private_key_pem: str
    certificate_pem: str
    thumbprint: str


def app_certificate(name: str = "mailbot sandbox app") -> AppCertificate:
    """A new RSA key and self-signed certificate for an app registration (Entra ID wants RSA here)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = _builder(subject, subject, key.public_key(), datetime.now(UTC)).sign(key, hashes.SHA256())
    return AppCertificate(
        _private_pem(key).decode(),
        certificate.public_bytes(_PEM).decode(),
        certificate.fingerprint(hashes.SHA1()).hex().upper(),
    )


def _builder(subject: x509.Name, issuer: x509.Name, public_key: Any, now: datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))  # some slack for a machine whose clock is a little behind
        .not_valid_after(now + timedelta(days=7))
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _private_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
