"""Items of mail folders other than e-mail, as Graph shows them: meeting messages as eventMessage (eventMessageRequest,
eventMessageResponse), sharing invitations as calendarSharingMessage, each with what its type adds to a message;
posts and items of classes Exchange has no type for as plain messages, without the properties they lack.
"""

from __future__ import annotations

from typing import Any

from mailbot.sandbox.graph_time import date_time_zone
from mailbot.sandbox.item_types import response_type
from mailbot.sandbox.records import StoredMessage

# The derived types of message Graph shows meeting messages and sharing invitations as; everything else in a mail
# folder (posts, items of classes Exchange has no type for) is a plain message.
_DERIVED = {"MeetingRequest": "eventMessageRequest", "MeetingResponse": "eventMessageResponse",
            "MeetingCancellation": "eventMessage", "MeetingMessage": "eventMessage",
            "SharingMessage": "calendarSharingMessage"}  # fmt: skip
_MEETING_MESSAGE = {"MeetingRequest": "meetingRequest", "MeetingCancellation": "meetingCancelled",
                    "Accept": "meetingAccepted", "Tentative": "meetingTenativelyAccepted",  # sic, Graph's spelling
                    "Decline": "meetingDeclined"}  # fmt: skip
_RESPONSE = {"Accept": "accepted", "Tentative": "tentativelyAccepted", "Decline": "declined"}


def type_annotation(item: StoredMessage) -> dict[str, str]:
    """The @odata.type a derived type carries even where its type goes without saying for a plain message."""
    return {"@odata.type": odata_type(item)} if item.item_type in _DERIVED else {}


def type_properties(item: StoredMessage) -> dict[str, Any]:
    """What the item's type adds to (or empties of) the message resource's properties."""
    return {**_without_message_properties(item), **_meeting(item)}


def odata_type(item: StoredMessage) -> str:
    return "#microsoft.graph." + _DERIVED.get(item.item_type, "message")


def _without_message_properties(item: StoredMessage) -> dict[str, Any]:
    """A post has no recipients, a generic item no sender either: Graph shows those properties empty."""
    if item.item_type == "PostItem":
        return {"toRecipients": [], "ccRecipients": []}
    if item.item_type == "Item":
        return {"sender": None, "from": None, "toRecipients": [], "ccRecipients": []}
    return {}


def _meeting(item: StoredMessage) -> dict[str, Any]:
    """What eventMessage (and eventMessageRequest or eventMessageResponse) add to a message."""
    if not item.item_type.startswith("Meeting"):
        return {}
    answer = response_type(item.item_class) if item.item_type == "MeetingResponse" else item.item_type
    start, end = item.meeting_span
    added: dict[str, Any] = {
        "meetingMessageType": _MEETING_MESSAGE.get(answer, "none"), "isOutOfDate": False, "isDelegated": False,
        "startDateTime": date_time_zone(start, "UTC"), "endDateTime": date_time_zone(end, "UTC"),
        "location": {"displayName": ""}, "type": "singleInstance", "isAllDay": False,
    }  # fmt: skip
    if item.item_type == "MeetingRequest":
        added.update(meetingRequestType="newMeetingRequest", responseRequested=True, allowNewTimeProposals=True)
    elif item.item_type == "MeetingResponse":
        added["responseType"] = _RESPONSE.get(answer, "none")
    return added
