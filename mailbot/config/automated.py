"""policy.yaml's automated_mail: what marks mail no person wrote (automatic replies, delivery reports, lists).

Omitted keys take mailbot's built-in lists (policy/automated.py); a key that is given replaces its list.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from mailbot.config.service import Strict
from mailbot.policy.automated import AUTO_REPLY_SUBJECTS, DELIVERY_REPORT_SUBJECTS, HEADER_RULES

_SUBJECTS = ("matched at the start of the subject (after a gateway's tag such as [EXTERNAL]) in any case; spaces "
             "before the colon do not matter")  # fmt: skip


class HeaderRuleConfig(Strict):
    """A header that shows a machine sent the message."""

    header: str = Field(pattern=r"^[!-9;-~]+$", description="The header's name, e.g. Auto-Submitted (any case).")
    means: str = Field(
        default="automated mail", min_length=1,
        description="What it shows, in the words `track sync` and the audit use, e.g. auto-reply or mailing list.",
    )  # fmt: skip
    any_of: list[str] = Field(
        default=[], description="Only when one of these words is in its value (any case); empty: whenever present."
    )
    unless: list[str] = Field(default=[], description="Not when its value's first word is one of these, e.g. no.")


class AutomatedMail(Strict):
    """Mail no person wrote is never tracked as member mail; each one left out is audited and named by `track sync`.
    Exchange's own auto-replies, reports and receipts are known by their message class whatever is set here."""

    auto_reply_subjects: list[str] = Field(
        default=list(AUTO_REPLY_SUBJECTS),
        description=f"Subject starts of automatic replies (Outlook's and Exchange's in their languages), {_SUBJECTS}.",
    )
    delivery_report_subjects: list[str] = Field(
        default=list(DELIVERY_REPORT_SUBJECTS),
        description=f"Subject starts of non-delivery and delay reports, {_SUBJECTS}.",
    )
    headers: list[HeaderRuleConfig] = Field(
        default=[
            HeaderRuleConfig(header=r.header, means=r.means, any_of=sorted(r.any_of), unless=sorted(r.unless))
            for r in HEADER_RULES
        ],
        description="Headers of automated mail; X-Auto-Response-Suppress also covers the PidTagAutoResponseSuppress "
        "property Exchange keeps of it.",
    )

    @field_validator("auto_reply_subjects", "delivery_report_subjects")
    @classmethod
    def _not_blank(cls, prefixes: list[str]) -> list[str]:
        if any(not prefix.strip().strip(":").strip() for prefix in prefixes):
            raise ValueError("a subject start must not be blank; it would match every message")
        return prefixes
