"""The one error hierarchy. Messages are written as sentences a user can act on; only cli.py shows them."""

from __future__ import annotations


class MailbotError(Exception):
    """Base of every error mailbot raises on purpose; str() is one actionable sentence."""


class ConfigError(MailbotError):
    """The configuration could not be loaded or is invalid; `problems` lists every finding."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems or [])

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class UnknownNameError(MailbotError):
    """A name (backend, job, template...) is not registered; the message lists the valid ones."""

    def __init__(self, kind: str, name: str, valid: list[str]) -> None:
        super().__init__(f"Unknown {kind} {name!r}; choose one of: {', '.join(sorted(valid))}.")
        self.kind, self.name, self.valid = kind, name, sorted(valid)


class StoreError(MailbotError):
    """The state database could not be reached, created or migrated."""


class BackendError(MailbotError):
    """Exchange (EWS or Graph) refused or failed a request."""


class MailboxError(BackendError):
    """One mailbox failed; the others carry on."""

    def __init__(self, mailbox: str, message: str) -> None:
        super().__init__(f"{mailbox}: {message}")
        self.mailbox, self.reason = mailbox, message


class MailboxAccessDenied(MailboxError):
    """The server refuses mailbot this mailbox or this use of it: impersonation, access policy or permission."""


class TemplateError(MailbotError):
    """A message template is missing, broken or uses an unknown placeholder."""


class ClockError(MailbotError):
    """A --now value or other time input could not be understood."""


class SyncStateInvalid(BackendError):
    """The server no longer accepts a saved sync state; the folder must be synced again from the start."""
