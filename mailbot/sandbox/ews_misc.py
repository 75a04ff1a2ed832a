"""The remaining EWS operations: ConvertId (clients' version probe), automatic replies, ResolveNames and
GetServerTimeZones."""

from __future__ import annotations

from datetime import timedelta

from mailbot.sandbox import ews_items as items
from mailbot.sandbox.ews_call import Call
from mailbot.sandbox.ews_xml import Element, EwsError, child_text, children, el, parse_time, q, response_message, sub
from mailbot.sandbox.records import InvalidOofDuration, OofConfig

_STATES = {"disabled": "Disabled", "enabled": "Enabled", "scheduled": "Scheduled"}
_AUDIENCES = {"none": "None", "known": "Known", "all": "All"}


def convert_id(call: Call) -> Element:
    """Ids are already in EWS format; anything else (like exchangelib's "DUMMY" probe) is malformed."""
    response = el("m:ConvertIdResponse")
    messages = sub(response, "m:ResponseMessages")
    wanted = call.body.get("DestinationFormat", "EwsId")
    for source in children(call.body, "m:SourceIds"):
        owner = call.org.owner_of(source.get("Id", ""))
        if owner is None or wanted not in ("EwsId", "EwsLegacyId"):
            messages.append(response_message("ConvertId", EwsError("ErrorInvalidIdMalformed", "Id is malformed.")))
            continue
        message = response_message("ConvertId")
        sub(message, "m:AlternateId", Format=wanted, Id=source.get("Id"), Mailbox=owner)
        messages.append(message)
    return response


def get_user_oof_settings(call: Call) -> Element:
    response = el("m:GetUserOofSettingsResponse")
    try:
        mailbox = call.mailbox(child_text(call.body, "t:Mailbox/t:Address"))
    except EwsError as error:
        response.append(_plain_message(error))
        return response
    config = call.org.get_oof(mailbox)
    response.append(_plain_message(None))
    settings = sub(response, "t:OofSettings")
    sub(settings, "t:OofState", _STATES[config.state])
    sub(settings, "t:ExternalAudience", _AUDIENCES[config.external_audience])
    # Exchange always reports a window; an unset one reads as the coming day, as on a fresh mailbox.
    start = config.start or call.org.clock.now().replace(minute=0, second=0, microsecond=0)
    duration = sub(settings, "t:Duration")
    sub(duration, "t:StartTime", start)
    sub(duration, "t:EndTime", config.end or start + timedelta(days=1))
    sub(sub(settings, "t:InternalReply"), "t:Message", config.internal_reply)
    sub(sub(settings, "t:ExternalReply"), "t:Message", config.external_reply)
    sub(response, "m:AllowExternalOof", "All")
    return response


def set_user_oof_settings(call: Call) -> Element:
    response = el("m:SetUserOofSettingsResponse")
    node = call.body.find(q("t:UserOofSettings"))
    try:
        mailbox = call.mailbox(child_text(call.body, "t:Mailbox/t:Address"))
        if node is None:
            raise EwsError("ErrorInvalidRequest", "UserOofSettings is required.")
        state = {v: k for k, v in _STATES.items()}.get(child_text(node, "t:OofState") or "", "disabled")
        audience = {v: k for k, v in _AUDIENCES.items()}.get(child_text(node, "t:ExternalAudience") or "", "all")
        start, end = child_text(node, "t:Duration/t:StartTime"), child_text(node, "t:Duration/t:EndTime")
        config = OofConfig(
            state=state, external_audience=audience,  # type: ignore[arg-type]
            start=parse_time(start) if start else None, end=parse_time(end) if end else None,
            internal_reply=child_text(node, "t:InternalReply/t:Message") or "",
            external_reply=child_text(node, "t:ExternalReply/t:Message") or "",
        )  # fmt: skip
        try:
            call.org.set_oof(mailbox, config)
        except InvalidOofDuration as exc:
            raise EwsError("ErrorInvalidScheduledOofDuration", str(exc)) from None
        response.append(_plain_message(None))
    except EwsError as error:
        response.append(_plain_message(error))
    return response


def _plain_message(error: EwsError | None) -> Element:
    """The availability services answer with a bare m:ResponseMessage rather than a named one."""
    node = el("m:ResponseMessage", ResponseClass="Error" if error else "Success")
    if error is not None:
        sub(node, "m:MessageText", error.message)
    sub(node, "m:ResponseCode", error.code if error else "NoError")
    if error is not None:
        sub(node, "m:DescriptiveLinkKey", 0)
    return node


def resolve_names(call: Call) -> Element:
    """Match mailboxes by address or name, as the global address list would."""
    wanted = (child_text(call.body, "m:UnresolvedEntry") or "").strip().lower().removeprefix("smtp:")
    found = [m for m in call.org.mailboxes() if wanted and (wanted == m.email or wanted in m.name.lower())]
    response = el("m:ResolveNamesResponse")
    messages = sub(response, "m:ResponseMessages")
    if not found:
        error = EwsError("ErrorNameResolutionNoResults", "No results were found.")
        messages.append(response_message("ResolveNames", error))
        return response
    message = response_message("ResolveNames")
    if len(found) > 1:  # several matches are a warning in EWS, but the matches still come back
        message.set("ResponseClass", "Warning")
        message.insert(0, el("m:MessageText", "Multiple results were found."))
        message.find(q("m:ResponseCode")).text = "ErrorNameResolutionMultipleResults"
        message.append(el("m:DescriptiveLinkKey", 0))
    messages.append(message)
    results = sub(message, "m:ResolutionSet", TotalItemsInView=len(found), IncludesLastItemInRange=True)
    for mailbox in found:
        resolution = sub(results, "t:Resolution")
        resolution.append(items.mailbox(mailbox.address))
    return response


def get_server_time_zones(call: Call) -> Element:
    wanted = [i.text for i in call.body.iter(q("t:Id")) if i.text]
    zones = sorted({w for w in items.WINDOWS_ZONES.values() if not wanted or w in wanted})
    response = el("m:GetServerTimeZonesResponse")
    message = response_message("GetServerTimeZones")
    sub(response, "m:ResponseMessages").append(message)
    definitions = sub(message, "m:TimeZoneDefinitions")
    for windows in zones:
        definition = items.timezone_definition("TimeZoneDefinition", items.IANA_ZONES[windows])
        definitions.append(definition)
    return response
