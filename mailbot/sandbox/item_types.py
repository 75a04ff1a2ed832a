"""Which type of store item a message class makes, as Exchange decides it: EWS names its element after it (t:Message,
t:PostItem, t:MeetingRequest ...) and Graph its @odata.type.

A mail folder holds more than e-mail: meeting requests and their answers, sharing invitations, posts, and items of
classes Exchange has no type for (a sticky note dragged into the Inbox, a plug-in's form), which EWS returns as a
generic t:Item without any of a message's properties. Delivery reports (REPORT.*) are messages.
"""

from __future__ import annotations

from typing import Literal, get_args

ItemType = Literal[
    "Message", "Item", "PostItem", "MeetingRequest", "MeetingResponse", "MeetingCancellation", "MeetingMessage",
    "SharingMessage",
]  # fmt: skip
ITEM_TYPES: tuple[ItemType, ...] = get_args(ItemType)
MEETING_TYPES: frozenset[ItemType] = frozenset({"MeetingRequest", "MeetingResponse", "MeetingCancellation",
                                                "MeetingMessage"})  # fmt: skip

# Class prefixes (on dot boundaries, first match wins) and the type Exchange gives them.
_BY_CLASS: tuple[tuple[str, ItemType], ...] = (
    ("IPM.Schedule.Meeting.Request", "MeetingRequest"),
    ("IPM.Schedule.Meeting.Resp", "MeetingResponse"),
    ("IPM.Schedule.Meeting.Canceled", "MeetingCancellation"),
    ("IPM.Schedule.Meeting.Notification", "MeetingMessage"),
    ("IPM.Sharing", "SharingMessage"),
    ("IPM.Post", "PostItem"),
    ("IPM.Note", "Message"),
    ("REPORT", "Message"),
)
# The class an item of each type gets when only the type is asked for.
DEFAULT_CLASS: dict[ItemType, str] = {
    "Message": "IPM.Note", "Item": "IPM.StickyNote", "PostItem": "IPM.Post",
    "MeetingRequest": "IPM.Schedule.Meeting.Request", "MeetingResponse": "IPM.Schedule.Meeting.Resp.Pos",
    "MeetingCancellation": "IPM.Schedule.Meeting.Canceled",
    "MeetingMessage": "IPM.Schedule.Meeting.Notification.Forward", "SharingMessage": "IPM.Sharing",
}  # fmt: skip
# A meeting response's class names the answer: Resp.Pos accepted, Resp.Tent tentatively, Resp.Neg declined.
RESPONSES = {"pos": "Accept", "tent": "Tentative", "neg": "Decline"}


def item_type_for(item_class: str) -> ItemType:
    """The type of item Exchange makes of a message class; classes it has no type for make a generic Item."""
    lowered = item_class.lower()
    for prefix, item_type in _BY_CLASS:
        wanted = prefix.lower()
        if lowered == wanted or lowered.startswith(wanted + "."):
            return item_type
    return "Item"


def item_class_for(item_type: str | None, item_class: str | None) -> str:
    """The message class for an item asked for by type and/or class; a class that would make another type of item
    is refused, as Exchange refuses an ItemClass inconsistent with the item's type."""
    if item_type is None:
        return item_class or "IPM.Note"
    if item_type not in ITEM_TYPES:
        raise ValueError(f"Unknown item type {item_type!r}; choose one of: {', '.join(ITEM_TYPES)}.")
    chosen = item_class or DEFAULT_CLASS[item_type]
    if item_type_for(chosen) != item_type:
        raise ValueError(f"The message class {chosen!r} makes a {item_type_for(chosen)}, not a {item_type}.")
    return chosen


def response_type(item_class: str) -> str:
    """The answer a meeting response gives, from its class (Unknown when the class does not say)."""
    return RESPONSES.get(item_class.rpartition(".")[2].lower(), "Unknown")
