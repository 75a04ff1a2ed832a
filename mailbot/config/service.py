"""service.yaml: what IT edits. Connection, credentials (by reference only), state, job times, logging."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from mailbot.errors import ConfigError

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Strict(BaseModel):
    """Unknown keys are mistakes (a typo would otherwise silently fall back to a default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(Strict):
    """A secret is named, never written inline: read from an environment variable or a file."""

    env: str | None = Field(default=None, description="Name of the environment variable holding the secret.")
    file: Path | None = Field(default=None, description="Path of a file holding the secret (first line).")

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of `env` or `file`")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def resolve(self, base: Path) -> SecretStr:
        """Read the secret now; raises ConfigError naming where it was looked for."""
        if self.env:
            value = os.environ.get(self.env)
            if not value:
                raise ConfigError(f"The secret in {self.describe()} is not set; export it before starting mailbot.")
            return SecretStr(value)
        return SecretStr(self.resolve_text(base).splitlines()[0].strip())

    def resolve_text(self, base: Path) -> str:
        """The whole secret (a PEM key and certificate span many lines); files only, env values as they are."""
        if self.env:
            return self.resolve(base).get_secret_value()
        path = self.file if self.file and self.file.is_absolute() else base / (self.file or "")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = ""
        if not text.strip():
            raise ConfigError(f"The secret file {path} cannot be read or is empty.")
        return text


def _no_inline_secret(value: object) -> object:
    if isinstance(value, str):
        raise ValueError("secrets are never written inline; use {env: VARIABLE} or {file: path}")
    return value


class EwsSettings(Strict):
    """On-premises Exchange through EWS (exchangelib)."""

    endpoint: str | None = Field(
        default=None,
        description="EWS URL, e.g. https://mail.example.org/EWS/Exchange.asmx; empty = autodiscover.",
    )
    auth: Literal["ntlm", "basic", "oauth"] = "ntlm"
    username: str | None = Field(default=None, description="Service account for NTLM/Basic, e.g. EXAMPLE\\svc-mailbot.")
    password: SecretRef | None = None
    tenant_id: str | None = Field(default=None, description="OAuth app-only: Entra ID tenant.")
    client_id: str | None = None
    client_secret: SecretRef | None = None
    certificate: SecretRef | None = Field(default=None, description="OAuth: PEM private key + certificate.")
    certificate_thumbprint: str | None = None
    verify_tls: bool = Field(default=True, description="Check the server's TLS certificate (leave on outside a lab).")
    ca_bundle: Path | None = Field(
        default=None,
        description="PEM file of the CAs to trust for the EWS server instead of the system's (e.g. the "
        "organisation's internal CA that signed Exchange's certificate); relative to service.yaml.",
    )
    max_connections: int = Field(default=4, ge=1, le=64)
    retry_max_wait_seconds: int = Field(default=120, ge=0, le=3600)

    _inline = field_validator("password", "client_secret", "certificate", mode="before")(_no_inline_secret)

    @model_validator(mode="after")
    def _auth_complete(self) -> EwsSettings:
        missing: list[str] = []
        if self.auth in ("ntlm", "basic"):
            missing = [k for k in ("username", "password") if getattr(self, k) is None]
        else:
            missing = [k for k in ("tenant_id", "client_id") if getattr(self, k) is None]
            if self.client_secret is None and self.certificate is None:
                missing.append("client_secret or certificate")
        if missing:
            raise ValueError(f"auth {self.auth!r} needs {', '.join(missing)}")
        return self


class GraphSettings(Strict):
    """Exchange Online through Microsoft Graph: an Entra ID app with application permissions, tokens from msal."""

    tenant_id: str = Field(description="Directory (tenant) id of the Entra ID app registration.")
    client_id: str = Field(description="Application (client) id of the app registration.")
    client_secret: SecretRef | None = Field(default=None, description="The app's client secret (value, not id).")
    certificate: SecretRef | None = Field(
        default=None, description="Instead of a secret: PEM private key + certificate registered on the app."
    )
    certificate_thumbprint: str | None = Field(default=None, description="SHA-1 thumbprint of that certificate.")
    authority: str = Field(
        default="https://login.microsoftonline.com", description="Identity platform (sovereign clouds differ)."
    )
    base_url: str = Field(default="https://graph.microsoft.com/v1.0", description="Microsoft Graph API root.")
    verify_tls: bool = Field(default=True, description="Check TLS certificates (leave on outside a lab).")
    ca_bundle: Path | None = Field(
        default=None,
        description="PEM file of the CAs to trust for Graph and the identity platform instead of the system's "
        "(e.g. behind a TLS-inspecting proxy); relative to service.yaml.",
    )
    timeout_seconds: int = Field(default=60, ge=1, le=600, description="How long one request may take.")
    retry_max_wait_seconds: int = Field(
        default=120, ge=0, le=3600, description="Longest total wait when Graph throttles (429/503 Retry-After)."
    )
    max_concurrent_per_mailbox: int = Field(
        default=4, ge=1, le=4, description="Requests in flight per mailbox; Exchange Online allows 4 per app."
    )

    _inline = field_validator("client_secret", "certificate", mode="before")(_no_inline_secret)

    @field_validator("authority", "base_url")
    @classmethod
    def _https(cls, url: str) -> str:
        # msal takes tokens from nowhere else, and a bearer token must not cross the network in the clear.
        if not url.lower().startswith("https://"):
            raise ValueError("must be an https:// URL (the identity platform and Graph answer on nothing else)")
        return url

    @model_validator(mode="after")
    def _credential(self) -> GraphSettings:
        if self.client_secret is None and self.certificate is None:
            raise ValueError("give client_secret or certificate")
        return self


class BackendSettings(Strict):
    """Which Exchange to talk to. `sandbox: true` runs the embedded sandbox Exchange instead of a real one."""

    kind: Literal["ews", "graph"] = "ews"
    sandbox: bool = Field(
        default=False,
        description="Use the embedded sandbox Exchange (demo/trial); connection settings are ignored.",
    )
    sandbox_scenario: Path = Field(
        default=Path("config/sandbox.yaml"),
        description="Organisation the sandbox starts with (relative to service.yaml).",
    )
    sandbox_url: str | None = Field(
        default=None,
        description="Use a sandbox already serving there (`mailbot sandbox serve`) instead of starting one in-process.",
    )
    sandbox_strict: bool = Field(
        default=False,
        description="The embedded sandbox checks every EWS message against Microsoft's schema, as Exchange does "
        "(slower; the tests turn it on, as does the environment variable MAILBOT_SANDBOX_STRICT=1).",
    )
    sandbox_ca_bundle: Path | None = Field(
        default=None,
        description="PEM file of the CA that signed the HTTPS certificate of the sandbox at sandbox_url (written by "
        "`mailbot sandbox serve --tls`), the only CA trusted for it; relative to service.yaml.",
    )
    service_account: str = Field(description="Mailbox of the account mailbot acts as (impersonation).")
    ews: EwsSettings | None = None
    graph: GraphSettings | None = None

    @model_validator(mode="after")
    def _section_for_kind(self) -> BackendSettings:
        if not self.sandbox and getattr(self, self.kind) is None:
            raise ValueError(f"backend kind {self.kind!r} needs a `{self.kind}:` section (or set sandbox: true)")
        return self


class StateSettings(Strict):
    url: str = Field(
        default="sqlite:///state/mailbot.sqlite3",
        description="SQLAlchemy URL: sqlite:///path (relative to service.yaml) or postgresql://user@host/db.",
    )
    password: SecretRef | None = Field(default=None, description="Database password, if the URL needs one.")

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("use a sqlite:/// or postgresql:// URL")
        if re.search(r"//[^/@]*:[^/@]+@", url):
            raise ValueError("put the database password in `state.password` ({env: ...}), not in the URL")
        return url


Hhmm = Annotated[str, Field(pattern=_HHMM.pattern, description="Local time HH:MM in the office timezone.")]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class EveryJob(Strict):
    every_minutes: int = Field(ge=1, le=1440)


class DailyJob(Strict):
    at: Hhmm


class WeeklyJob(Strict):
    day: Weekday = Field(
        default="monday",
        description="The day the status week begins and everyone gets their weekly status; on the other days "
        "the job runs at the same time and re-sends only a week that changed.",
    )
    at: Hhmm


class JobSettings(Strict):
    sync_mail: EveryJob = EveryJob(every_minutes=5)
    apply_oof: EveryJob = EveryJob(every_minutes=60)
    nudge: EveryJob = EveryJob(every_minutes=60)
    digest: DailyJob = DailyJob(at="17:15")
    weekly_status: WeeklyJob = WeeklyJob(day="monday", at="07:30")


class LoggingSettings(Strict):
    format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: readable on a terminal, JSON lines otherwise (systemd, files)."
    )
    level: Literal["debug", "info", "warning", "error"] = "info"


class HealthSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class SurveySettings(Strict):
    """Where members' survey links lead: mailbot's small endpoint behind the organisation's reverse proxy."""

    public_url: str = Field(
        description="What every survey link starts with, as members reach it through the reverse proxy, e.g. "
        "https://members.example.org/survey (the proxy passes the path on unchanged)."
    )
    host: str = Field(default="127.0.0.1", description="Address `mailbot run` serves the survey on.")
    port: int = Field(default=9465, ge=0, le=65535)
    secret: SecretRef | None = Field(
        default=None, description="Key that signs the links ({env: ...} or {file: ...}); keep it from changing."
    )

    _inline = field_validator("secret", mode="before")(_no_inline_secret)

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, url: str) -> str:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError("must be an absolute http(s):// URL, e.g. https://members.example.org/survey")
        return url.rstrip("/")


class ServiceConfig(Strict):
    """The whole of service.yaml."""

    organisation: Path = Field(default=Path("config"), description="Folder with people.yaml, policy.yaml.")
    templates: Path = Field(
        default=Path("message_templates"), description="Folder of style-guide message templates (Jinja2)."
    )
    backend: BackendSettings
    state: StateSettings = StateSettings()
    jobs: JobSettings = JobSettings()
    logging: LoggingSettings = LoggingSettings()
    health: HealthSettings = HealthSettings()
    survey: SurveySettings | None = Field(
        default=None, description="The member survey's endpoint (policy.yaml `satisfaction` switches it on)."
    )
    dry_run: bool = Field(default=False, description="Decide and log, but change nothing in Exchange.")
