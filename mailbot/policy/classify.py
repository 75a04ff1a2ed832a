"""Which messages count against the response promise: member mail to a staff inbox, not machines or colleagues.

Every rule here reads only the MailItem and the SlaRules, so the decision is the same on every rerun.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailbot.domain import ItemKind, MailItem, MessageKind
from mailbot.policy.automated import DEFAULT_RULES, AutomatedRules, automated_reason

if TYPE_CHECKING:  # type only: policy stays importable without the config layer
    from mailbot.config.loader import Settings

# Local parts of addresses nobody reads; "+tag" and "-suffix" variants (noreply-billing@) are the same thing.
_NO_REPLY_SENDER = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster)([-+_.].*)?$", re.IGNORECASE
)
# Items a person sent that still ask for no written answer: a meeting request is answered by accepting or
# declining it in the calendar, a cancellation or forward notice by nothing, a sharing invitation by opening the
# shared folder; a post was written into the folder, never mailed to anyone.
_NOT_A_QUESTION = (("IPM.Schedule.Meeting.Request", "meeting request"),
                   ("IPM.Schedule.Meeting.Canceled", "meeting cancellation"),
                   ("IPM.Schedule.Meeting.Notification", "meeting forward notification"),
                   ("IPM.Sharing", "sharing invitation"), ("IPM.Post", "post"))  # fmt: skip
# The same by the server's item type, for an item whose class says nothing more (e.g. a custom class).
_KIND_REASON = {ItemKind.MEETING: "meeting message", ItemKind.SHARING: "sharing invitation", ItemKind.POST: "post",
                ItemKind.OTHER: "not an e-mail"}  # fmt: skip


def _address(text: str) -> str:
    return text.strip().strip("<>").lower()


def _domain(address: str) -> str:
    return _address(address).rpartition("@")[2]


def _in_domains(domain: str, domains: frozenset[str]) -> bool:
    """Subdomains belong to their parent, so um.example.org is as internal as example.org."""
    return any(domain == d or domain.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class SlaRules:
    """The response rules of one organisation, as plain values so tests can build them without files."""

    org_domains: frozenset[str]
    member_domains: frozenset[str] = frozenset()
    staff_addresses: frozenset[str] = frozenset()
    shared_addresses: frozenset[str] = frozenset()
    voicemail_classes: tuple[str, ...] = ("IPM.Note.Microsoft.Voicemail",)
    voicemail_senders: frozenset[str] = frozenset()
    voicemail_subjects: tuple[str, ...] = ()
    no_reply_category: str = "No reply needed"
    done_category: str = "Done"
    email_business_days: int = 1
    email_due_soon: float = 0.75
    voicemail_due_soon: float = 0.75
    automated: AutomatedRules = DEFAULT_RULES

    def __post_init__(self) -> None:
        # Addresses and domains arrive in any case from config and from Exchange; compare them lower-cased.
        for name in ("org_domains", "member_domains", "staff_addresses", "shared_addresses", "voicemail_senders"):
            object.__setattr__(self, name, frozenset(_address(a) for a in getattr(self, name)))
        for share in (self.email_due_soon, self.voicemail_due_soon):
            if not 0 < share < 1:
                raise ValueError(f"A due-soon share must lie between 0 and 1, got {share}.")
        if self.email_business_days < 0:
            raise ValueError(f"Business days to answer must not be negative, got {self.email_business_days}.")
        for pattern in self.voicemail_subjects:
            re.compile(pattern)  # fail at construction, not on the first matching message

    @classmethod
    def from_settings(cls, settings: Settings) -> SlaRules:
        """The rules from policy.yaml and people.yaml; departed staff keep their mailbox watched."""
        policy = settings.policy
        return cls(
            org_domains=frozenset(policy.organisation.domains),
            member_domains=frozenset(policy.organisation.member_domains),
            staff_addresses=frozenset(person.email for person in settings.people()),
            shared_addresses=frozenset(str(box.email) for box in settings.roster.shared_mailboxes),
            voicemail_classes=tuple(policy.voicemail.message_classes),
            voicemail_senders=frozenset(policy.voicemail.senders),
            voicemail_subjects=tuple(policy.voicemail.subject_patterns),
            no_reply_category=policy.categories.no_reply_needed,
            done_category=policy.categories.done,
            email_business_days=policy.email.business_days,
            email_due_soon=policy.email.due_soon,
            voicemail_due_soon=policy.voicemail.due_soon,
            automated=AutomatedRules.from_config(policy.automated_mail),
        )

    def is_watched(self, mailbox: str) -> bool:
        """A staff member's or a shared mailbox: the ones whose inbox carries the promise."""
        address = _address(mailbox)
        return address in self.staff_addresses or address in self.shared_addresses

    def is_staff(self, address: str) -> bool:
        """Sent by the organisation: a listed mailbox, or an organisation domain that is not a member domain."""
        domain = _domain(address)
        if self.is_watched(address):
            return True
        return _in_domains(domain, self.org_domains) and not _in_domains(domain, self.member_domains)


@dataclass(frozen=True)
class Classification:
    """Whether a message counts, which rule applies, and in words why not when it does not count."""

    counts: bool
    kind: MessageKind
    reason: str = ""


def classify(item: MailItem, rules: SlaRules) -> Classification:
    """Whether `item` is member mail in a staff inbox that must be answered, and under which rule."""
    kind = MessageKind.VOICEMAIL if is_voicemail(item, rules) else MessageKind.EMAIL
    reason = _exclusion(item, rules, kind)
    return Classification(counts=reason is None, kind=kind, reason=reason or "")


def automated_exclusion(item: MailItem, rules: SlaRules) -> str | None:
    """Why `item`, mail in a staff or shared inbox that would otherwise be judged by its sender, does not count
    because a machine sent it (an auto-reply, a delivery report); None when it counts or is left out otherwise."""
    verdict = classify(item, rules)
    reason = automated_reason(item, rules.automated)
    return reason if not verdict.counts and reason == verdict.reason else None


def _exclusion(item: MailItem, rules: SlaRules, kind: MessageKind) -> str | None:
    if item.folder.lower() != "inbox" or not rules.is_watched(item.mailbox):
        return "not in a staff or shared inbox"
    if has_category(item.categories, rules.no_reply_category):
        return f"marked {rules.no_reply_category}"
    not_a_question = item_reason(item)
    if not_a_question is not None:
        return not_a_question
    if kind is MessageKind.VOICEMAIL:
        # A phone system is an automated, often internal sender by nature; the caller is the member.
        return None
    return automated_reason(item, rules.automated) or _sender_reason(item.sender, rules)


def _sender_reason(sender: str, rules: SlaRules) -> str | None:
    address = _address(sender)
    local, at, _ = address.rpartition("@")
    if not at or not local:
        return "no sender address"
    if _NO_REPLY_SENDER.match(local):
        return f"no-reply sender ({address})"
    if rules.is_staff(address):
        return "internal sender"
    return None


def item_reason(item: MailItem) -> str | None:
    """Why `item` is no question to answer by its kind (meeting request, sharing invitation, post, not mail)."""
    for prefix, what in _NOT_A_QUESTION:
        if _class_matches(item.message_class, prefix):
            return f"{what} ({item.message_class})"
    if item.kind is not ItemKind.MESSAGE:
        return f"{_KIND_REASON[item.kind]} ({item.message_class})"
    return None


def is_voicemail(item: MailItem, rules: SlaRules) -> bool:
    """A phone message: by message class (prefix on dot boundaries or with a trailing *), sender or subject."""
    if any(_class_matches(item.message_class, prefix) for prefix in rules.voicemail_classes):
        return True
    if _address(item.sender) in rules.voicemail_senders:
        return True
    # Case-insensitive: gateways vary "Voice Mail" / "Voicemail" capitalisation between versions.
    return any(re.search(pattern, item.subject, re.IGNORECASE) for pattern in rules.voicemail_subjects)


def _class_matches(message_class: str, prefix: str) -> bool:
    actual, wanted = message_class.lower(), prefix.lower()
    if wanted.endswith("*"):
        return actual.startswith(wanted[:-1])
    return actual == wanted or actual.startswith(wanted + ".")


def has_category(categories: Iterable[str], category: str) -> bool:
    """Outlook shows categories as typed, but people type them in any case."""
    wanted = category.strip().lower()
    return any(c.strip().lower() == wanted for c in categories)
