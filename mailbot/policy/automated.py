"""Mail no person wrote: automatic replies, delivery reports, mailing lists and bulk mail.

Recognised by message class (Exchange's own), by header or the MAPI property Exchange keeps of one, and by subject:
an automatic reply from a system that sets no header still starts "Automatic reply:" in its sender's language. The
subjects and header rules are values (policy.yaml's automated_mail), defaults below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailbot.domain import MailItem

if TYPE_CHECKING:  # type only: policy stays importable without the config layer
    from mailbot.config.automated import AutomatedMail

__all__ = [
    "AUTO_REPLY_SUBJECTS",
    "DEFAULT_RULES",
    "DELIVERY_REPORT_SUBJECTS",
    "HEADER_RULES",
    "AutomatedRules",
    "HeaderRule",
    "automated_reason",
    "header",
    "suppressed_responses",
]

# What Exchange and Outlook put before the original subject, by the language of the replying mailbox: Exchange 2010
# and later, then the older wording (Exchange 2007, Outlook's Out of Office Assistant) where it differs.
AUTO_REPLY_SUBJECTS = (
    "Automatic reply:", "Out of Office:", "Out of Office AutoReply:", "Auto-Reply:", "AutoReply:", "Auto Reply:",
    "Automatische Antwort:", "Abwesenheitsnotiz:",
    "Réponse automatique :", "Absent du bureau :",
    "Respuesta automática:", "Fuera de la oficina:",
    "Risposta automatica:", "Fuori sede:",
    "Automatisch antwoord:", "Afwezig:",
    "Resposta automática:",
    "Automatiskt svar:", "Automatisk svar:", "Automaattinen vastaus:",
    "Odpowiedź automatyczna:", "Automatická odpověď:", "Automatická odpoveď:", "Automatikus válasz:",
    "Răspuns automat:", "Otomatik yanıt:", "Αυτόματη απάντηση:", "Автоматический ответ:", "Автоматична відповідь:",
    "自動応答:", "自动答复:", "自動回覆:", "자동 회신:",
)  # fmt: skip
# Non-delivery and delay reports: Exchange's by language, then the fixed wording of other mail servers.
DELIVERY_REPORT_SUBJECTS = (
    "Undeliverable:", "Delivery delayed:", "Unzustellbar:", "Non remis :", "No se puede entregar:",
    "Non recapitabile:", "Onbestelbaar:", "Não é possível entregar:", "Niedostarczalne:", "Nedoručitelné:",
    "Не доставлено:", "配信不能:",
    "Undelivered Mail Returned to Sender", "Mail delivery failed: returning message to sender",
    "Delivery Status Notification (Failure)", "Delivery Status Notification (Delay)",
)  # fmt: skip


@dataclass(frozen=True)
class HeaderRule:
    """A header that shows a machine sent the message: present at all, or with one of `any_of` among the words of
    its value, and not when its first word is one of `unless` (Auto-Submitted: no)."""

    header: str
    means: str
    any_of: frozenset[str] = frozenset()
    unless: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in ("any_of", "unless"):  # words compare in any case
            object.__setattr__(self, name, frozenset(word.lower() for word in getattr(self, name)))

    def holds(self, value: str) -> bool:
        words = [word for word in re.split(r"[\s,;]+", value.lower()) if word]
        if self.unless and words and words[0] in self.unless:
            return False
        return not self.any_of or bool(self.any_of & set(words))

    def reason(self, source: str, value: str) -> str:
        """'auto-reply (Auto-Submitted: auto-replied)', or 'mailing list (List-Id)' for a rule on presence alone."""
        return f"{self.means} ({source}: {value.strip()})" if self.any_of or self.unless else f"{self.means} ({source})"


# X-Auto-Response-Suppress asks *us* not to auto-reply. Automated senders set All/OOF/AutoReply; ordinary clients may
# set only the receipt tokens (DR, NDR, RN, NRN), so those alone must not hide a member's mail.
HEADER_RULES = (
    HeaderRule("Auto-Submitted", "auto-reply", unless=frozenset({"no"})),
    HeaderRule("X-Autoreply", "auto-reply"),
    HeaderRule("X-Autorespond", "auto-reply"),
    HeaderRule("X-Auto-Response-Suppress", "automated sender", any_of=frozenset({"All", "OOF", "AutoReply"})),
    HeaderRule("Precedence", "bulk mail", any_of=frozenset({"bulk", "junk"})),
    HeaderRule("Precedence", "mailing list", any_of=frozenset({"list"})),
    HeaderRule("Precedence", "auto-reply", any_of=frozenset({"auto_reply"})),
    HeaderRule("List-Id", "mailing list"),
    HeaderRule("List-Unsubscribe", "mailing list"),
)


def _fold(text: str) -> str:
    """Text as it compares: any case, runs of spaces (no-break ones too) as one, none before a colon (French writes
    'Réponse automatique :'), a full-width colon as a colon."""
    spaced = re.sub(r"\s+", " ", text.replace("\uff1a", ":").casefold()).strip()
    return spaced.replace(" :", ":")


@dataclass(frozen=True)
class AutomatedRules:
    """Subject starts and header rules that mark mail no person wrote; any case, spacing and colon style."""

    auto_reply_subjects: tuple[str, ...] = AUTO_REPLY_SUBJECTS
    delivery_report_subjects: tuple[str, ...] = DELIVERY_REPORT_SUBJECTS
    headers: tuple[HeaderRule, ...] = HEADER_RULES

    def __post_init__(self) -> None:
        if any(not _fold(prefix) for prefix in (*self.auto_reply_subjects, *self.delivery_report_subjects)):
            raise ValueError("A subject start must not be blank; it would match every message.")

    @classmethod
    def from_config(cls, section: AutomatedMail) -> AutomatedRules:
        """The rules of policy.yaml's automated_mail section."""
        return cls(
            tuple(section.auto_reply_subjects),
            tuple(section.delivery_report_subjects),
            tuple(HeaderRule(r.header, r.means, frozenset(r.any_of), frozenset(r.unless)) for r in section.headers),
        )


DEFAULT_RULES = AutomatedRules()
_AUTO_REPLY_CLASSES = ("ipm.note.rules.ooftemplate.microsoft", "ipm.note.rules.replytemplate.microsoft")
# PidTagAutoResponseSuppress bits as X-Auto-Response-Suppress names them ([MS-OXCMAIL] 2.1.3.2.20); -1 is All.
_SUPPRESS_BITS = ((0x01, "DR"), (0x02, "NDR"), (0x04, "RN"), (0x08, "NRN"), (0x10, "OOF"), (0x20, "AutoReply"))
# A tag a gateway puts before the subject of outside mail ("[EXTERNAL] Automatic reply: ...").
_GATEWAY_TAG = re.compile(r"^(\s*\[[^\]]{1,30}\])+")


def automated_reason(item: MailItem, rules: AutomatedRules = DEFAULT_RULES) -> str | None:
    """Why a machine sent `item` (auto-reply, delivery report, list), or None when a person may have written it."""
    return _class_reason(item.message_class) or _header_reason(item, rules) or _subject_reason(item.subject, rules)


def _class_reason(message_class: str) -> str | None:
    lowered = message_class.lower()
    if lowered.startswith("report."):
        return f"bounce ({message_class})" if lowered.endswith(".ndr") else f"delivery receipt ({message_class})"
    if lowered in _AUTO_REPLY_CLASSES:
        return f"auto-reply ({message_class})"
    if lowered.startswith("ipm.schedule.meeting.resp."):  # Accept/Decline buttons, nothing to answer
        return f"meeting response ({message_class})"
    return None


def _header_reason(item: MailItem, rules: AutomatedRules) -> str | None:
    for rule in rules.headers:
        value = header(item, rule.header)
        source = rule.header
        if value is None and rule.header.lower() == "x-auto-response-suppress" and item.auto_response_suppress:
            # Exchange keeps the header as a MAPI property, which a message may carry without the header.
            value, source = ", ".join(suppressed_responses(item.auto_response_suppress)), "PidTagAutoResponseSuppress"
        if value is not None and rule.holds(value):
            return rule.reason(source, value)
    return None


def _subject_reason(subject: str, rules: AutomatedRules) -> str | None:
    folded = _fold(_GATEWAY_TAG.sub("", subject))
    for prefixes, means in ((rules.auto_reply_subjects, "auto-reply"), (rules.delivery_report_subjects,
                                                                         "delivery report")):  # fmt: skip
        for prefix in prefixes:
            if folded.startswith(_fold(prefix)):
                return f'{means} (subject starts "{prefix.strip()}")'
    return None


def suppressed_responses(value: int) -> list[str]:
    """PidTagAutoResponseSuppress as the words of X-Auto-Response-Suppress: -1 (or every bit) is All."""
    if value == -1 or value & 0xFFFFFFFF == 0xFFFFFFFF:
        return ["All"]
    return [name for bit, name in _SUPPRESS_BITS if value & bit]


def header(item: MailItem, name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None when absent."""
    wanted = name.lower()
    return next((value for key, value in item.headers if key.lower() == wanted), None)
