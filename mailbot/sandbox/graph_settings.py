"""Mailbox settings on Graph: GET mailboxSettings (or its automaticRepliesSetting), PATCH automatic replies.

Graph names the organisation's OOF states and audiences its own way (alwaysEnabled, contactsOnly, ...) and always
shows the scheduled times, in UTC; a PATCH may give them in any zone and may leave out what stays as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mailbot.sandbox.graph_time import date_time_zone, parse_date_time_zone, windows_name
from mailbot.sandbox.graph_wire import Call, GraphError, Reply
from mailbot.sandbox.records import InvalidOofDuration, OofConfig

_STATUS = {"disabled": "disabled", "enabled": "alwaysEnabled", "scheduled": "scheduled"}
_AUDIENCE = {"none": "none", "known": "contactsOnly", "all": "all"}
_WORKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
_INVALID_DURATION = "The scheduled Oof duration is invalid."


def get_settings(call: Call) -> Reply:
    return Reply(200, {"@odata.context": call.context("mailboxSettings"), **_settings(call)})


def get_automatic_replies(call: Call) -> Reply:
    body = automatic_replies(call.org.get_oof(call.user), call.org.clock.now())
    return Reply(200, {"@odata.context": call.context("mailboxSettings/automaticRepliesSetting"), **body})


def patch_settings(call: Call) -> Reply:
    """Change the automatic replies; the sandbox models no other mailbox setting, so it refuses changes to them."""
    payload = {k: v for k, v in call.json().items() if not k.startswith("@")}
    others = sorted(set(payload) - {"automaticRepliesSetting"})
    if others:
        raise GraphError(400, "ErrorInvalidRequest", f"The sandbox changes only automaticRepliesSetting, not "
                         f"{', '.join(others)}.")  # fmt: skip
    change = payload.get("automaticRepliesSetting")
    if change is not None:
        if not isinstance(change, dict):
            raise GraphError(400, "RequestBodyRead", "automaticRepliesSetting must be an object.")
        try:
            call.org.set_oof(call.user, _changed(call.org.get_oof(call.user), change))
        except InvalidOofDuration:
            raise GraphError(400, "ErrorInvalidScheduledOofDuration", _INVALID_DURATION) from None
    return Reply(200, {"@odata.context": call.context("mailboxSettings"), **_settings(call)})


def automatic_replies(config: OofConfig, now: datetime) -> dict[str, Any]:
    """The automaticRepliesSetting resource; an unset window reads as the coming day, as on a fresh mailbox."""
    start = config.start or now.replace(minute=0, second=0, microsecond=0)
    end = config.end or start + timedelta(days=1)
    return {
        "status": _STATUS[config.state],
        "externalAudience": _AUDIENCE[config.external_audience],
        "internalReplyMessage": config.internal_reply,
        "externalReplyMessage": config.external_reply,
        "scheduledStartDateTime": date_time_zone(start, "UTC"),
        "scheduledEndDateTime": date_time_zone(end, "UTC"),
    }


def _settings(call: Call) -> dict[str, Any]:
    mailbox = call.org.mailbox(call.user)
    zone = windows_name(mailbox.timezone)
    return {
        "archiveFolder": None,
        "timeZone": zone,
        "automaticRepliesSetting": automatic_replies(call.org.get_oof(call.user), call.org.clock.now()),
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "userPurpose": "shared" if mailbox.kind == "shared" else "user",
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "workingHours": {
            "daysOfWeek": _WORKDAYS,
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": zone},
        },
    }


def _changed(current: OofConfig, change: dict[str, Any]) -> OofConfig:
    """The automatic replies with the properties the PATCH names changed (enum values case-insensitively)."""

    def text(name: str, now: str) -> str:
        return str(change[name] or "") if name in change else now

    def moment(name: str, now: datetime | None) -> datetime | None:
        return parse_date_time_zone(change[name], name) if change.get(name) is not None else now

    state = _enum(change["status"], _STATUS, "status") if "status" in change else current.state
    audience = current.external_audience
    if "externalAudience" in change:
        audience = _enum(change["externalAudience"], _AUDIENCE, "externalAudience")  # type: ignore[assignment]
    return OofConfig(
        state=state,  # type: ignore[arg-type]
        external_audience=audience,
        start=moment("scheduledStartDateTime", current.start),
        end=moment("scheduledEndDateTime", current.end),
        internal_reply=text("internalReplyMessage", current.internal_reply),
        external_reply=text("externalReplyMessage", current.external_reply),
    )


def _enum(value: Any, names: dict[str, str], what: str) -> str:
    """The organisation's value for a Graph enum member, e.g. "alwaysEnabled" -> "enabled"."""
    for ours, theirs in names.items():
        if isinstance(value, str) and value.lower() == theirs.lower():
            return ours
    raise GraphError(400, "RequestBodyRead", f"Requested value '{value}' was not found for {what}; use one of "
                     f"{', '.join(names.values())}.")  # fmt: skip
