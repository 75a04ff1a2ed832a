"""The sandbox serves every type of item a mail folder holds, and throttles in each of Exchange's ways, on the wire.

Raw SOAP and JSON, so what is pinned down is the protocol, not a client's reading of it; every EWS message is checked
against Microsoft's schema by the sandbox fixtures.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import requests
from lxml import etree
from sandbox_fixtures import ENVELOPE

from mailbot.errors import ConfigError
from mailbot.sandbox import SandboxCA, SandboxServer, load_scenario
from mailbot.sandbox.graph_wire import rest_id
from mailbot.sandbox.item_types import ITEM_TYPES

LI, JAMES = "li.chen@example.org", "james.okafor@example.org"
PAT = "Pat Member <pat.member@gmail.example>"
M = "{http://schemas.microsoft.com/exchange/services/2006/messages}"
T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
SHAPE = "<m:ItemShape><t:BaseShape>{base}</t:BaseShape>{extra}</m:ItemShape>"


def soap(server: SandboxServer, body: str) -> tuple[int, Any]:
    """POST one SOAP request as the service account; the HTTP status and the body's first child."""
    answer = requests.post(server.ews_url, data=ENVELOPE.format(body=body).encode(), timeout=10,
                           auth=(server.org.service_account, server.org.service_password),
                           headers={"Content-Type": "text/xml; charset=utf-8"})  # fmt: skip
    return answer.status_code, etree.fromstring(answer.content).find("{*}Body")[0]


def sync(server: SandboxServer, mailbox: str, state: str = "", base: str = "AllProperties") -> Any:
    body = (f"<m:SyncFolderItems>{SHAPE.format(base=base, extra='')}<m:SyncFolderId><t:DistinguishedFolderId "
            f'Id="inbox"><t:Mailbox><t:EmailAddress>{mailbox}</t:EmailAddress></t:Mailbox>'
            f"</t:DistinguishedFolderId></m:SyncFolderId>{f'<m:SyncState>{state}</m:SyncState>' if state else ''}"
            "<m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>")  # fmt: skip
    return soap(server, body)[1]


def get_items(server: SandboxServer, ids: list[str], base: str = "AllProperties", fields: tuple[str, ...] = ()) -> Any:
    extra = "".join(f'<t:FieldURI FieldURI="{f}"/>' for f in fields)
    shape = SHAPE.format(base=base, extra=f"<t:AdditionalProperties>{extra}</t:AdditionalProperties>" if extra else "")
    ids_xml = "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
    return soap(server, f"<m:GetItem>{shape}<m:ItemIds>{ids_xml}</m:ItemIds></m:GetItem>")[1]


def local(node: Any) -> str:
    return str(node.tag).rpartition("}")[2]


def one_of_each(server: SandboxServer) -> dict[str, str]:
    """One item of every type delivered to Li's inbox; item id by type."""
    return {t: server.org.deliver_external([LI], PAT, f"A {t}", "Hello", item_type=t)[0].item_id for t in ITEM_TYPES}


# -- EWS ------------------------------------------------------------------------------------------------------


def test_each_item_type_syncs_and_gets_as_its_own_element(sandbox: SandboxServer) -> None:
    """SyncFolderItems creates and updates and GetItem carry each item as the element of its type (t:PostItem,
    t:MeetingRequest, t:Item ...), with all its properties valid for that type's schema."""
    state = sync(sandbox, LI).findtext(f".//{M}SyncState")
    ids = one_of_each(sandbox)
    answer = sync(sandbox, LI, state)
    created = {c[0].findtext(f"{T}Subject"): local(c[0]) for c in answer.iter(f"{T}Create")}
    sandbox.org.set_categories(LI, ids["PostItem"], ["Done"])
    updated = [local(u[0]) for u in sync(sandbox, LI, answer.findtext(f".//{M}SyncState")).iter(f"{T}Update")]
    fetched = [local(i) for found in get_items(sandbox, list(ids.values())).iter(f"{M}Items") for i in found]
    assert ({f"A {t}": t for t in ITEM_TYPES}, ["PostItem"], list(ITEM_TYPES)) == (created, updated, fetched)


def test_an_item_shows_only_the_properties_of_its_type(sandbox: SandboxServer) -> None:
    """Asked for a message's From, Sender and recipients, a post shows From and Sender but no recipients, and a
    generic item none of them, as Exchange leaves out what a type lacks."""
    ids = one_of_each(sandbox)
    fields = ("message:From", "message:Sender", "message:ToRecipients", "item:ItemClass")
    answer = get_items(sandbox, [ids["PostItem"], ids["Item"], ids["Message"]], "IdOnly", fields)
    shown = [[local(p) for p in item] for item in answer.iter(f"{T}PostItem", f"{T}Item", f"{T}Message")]
    assert [["ItemId", "ItemClass", "Sender", "ToRecipients", "From"], ["ItemId", "ItemClass", "From", "Sender"],
            ["ItemId", "ItemClass"]] == sorted(shown, key=len, reverse=True)  # fmt: skip


def test_meeting_messages_carry_their_meeting_and_answer(sandbox: SandboxServer) -> None:
    """A meeting request says what it asks for and when; a response says the invitee's answer by its class."""
    ids = one_of_each(sandbox)
    declined = sandbox.org.deliver_external([LI], PAT, "No", "", message_class="IPM.Schedule.Meeting.Resp.Neg")[0]
    answer = get_items(sandbox, [ids["MeetingRequest"], ids["MeetingResponse"], declined.item_id])
    request, accepted, refused = answer.iter(f"{T}MeetingRequest", f"{T}MeetingResponse")
    assert ("NewMeetingRequest", "NoResponseReceived", True, "Accept", "Decline") == (
        request.findtext(f"{T}MeetingRequestType"), request.findtext(f"{T}ResponseType"),
        request.find(f"{T}Start") is not None, accepted.findtext(f"{T}ResponseType"),
        refused.findtext(f"{T}ResponseType"))  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "code", "details"),
    [
        ("exceeded_connection_count", "ErrorExceededConnectionCount",
         {"Policy": "MaxConcurrency", "MaxConcurrencyLimit": "27"}),
        ("wrapped_server_busy", "ErrorInternalServerError",
         {"InnerErrorResponseCode": "ErrorServerBusy", "BackOffMilliseconds": "1500"}),
    ],
)  # fmt: skip
def test_throttling_in_a_response_message_answers_http_200(
    sandbox: SandboxServer, kind: str, code: str, details: dict[str, str]
) -> None:
    """ErrorExceededConnectionCount and ErrorServerBusy wrapped in ErrorInternalServerError come in the operation's
    own response message (HTTP 200), with their details in MessageXml, for item and availability operations alike."""
    ids = list(one_of_each(sandbox).values())[:1]
    sandbox.faults.arm(kind, times=2, back_off_ms=1500)
    status, answer = soap(sandbox, f"<m:GetItem>{SHAPE.format(base='IdOnly', extra='')}<m:ItemIds><t:ItemId "
                                   f'Id="{ids[0]}"/></m:ItemIds></m:GetItem>')  # fmt: skip
    oof = soap(sandbox, f"<m:GetUserOofSettingsRequest><t:Mailbox><t:Address>{LI}</t:Address></t:Mailbox>"
                        "</m:GetUserOofSettingsRequest>")[1]  # fmt: skip
    message = answer.find(f".//{M}GetItemResponseMessage")
    values = {v.get("Name"): v.text for v in message.iter(f"{T}Value")}
    assert (200, "Error", code, code) == (status, message.get("ResponseClass"), message.findtext(f"{M}ResponseCode"),
                                          oof.findtext(f"{M}ResponseMessage/{M}ResponseCode"))  # fmt: skip
    assert details == {name: values[name] for name in details}


def test_the_admin_api_arms_each_throttling_fault_by_name(sandbox: SandboxServer) -> None:
    """Both new throttling faults are armed by name over HTTP, with their parameters."""
    for kind in ("exceeded_connection_count", "wrapped_server_busy"):
        arm = {"kind": kind, "times": 1, "back_off_ms": 300}
        requests.post(f"{sandbox.admin_url}/faults", json=arm, timeout=5).raise_for_status()
    armed = requests.get(f"{sandbox.admin_url}/faults", timeout=5).json()["armed"]
    assert [("exceeded_connection_count", 300), ("wrapped_server_busy", 300)] == [
        (a["kind"], a["back_off_ms"]) for a in armed]  # fmt: skip


def test_the_admin_api_injects_an_item_of_any_type(sandbox: SandboxServer) -> None:
    """POST /admin/messages with an item_type delivers that type of item, with its usual class."""
    body = {"to": [LI], "from": PAT, "subject": "Let us meet", "item_type": "MeetingRequest"}
    [created] = requests.post(f"{sandbox.admin_url}/messages", json=body, timeout=5).json()["created"]
    stored = sandbox.org.get_item(LI, created["item_id"])
    assert ("MeetingRequest", "IPM.Schedule.Meeting.Request") == (stored.item_type, stored.item_class)  # type: ignore[union-attr]


def test_a_scenario_seeds_items_by_type_or_class_and_refuses_a_mismatch() -> None:
    """A scenario's inbox and sent items take item_type and/or message_class; a class that makes another type
    is one problem naming its place."""
    mail = {
        "from": PAT,
        "subject": "Shared calendar",
        "received": "2026-11-20T10:00:00Z",
        "item_type": "SharingMessage",
    }
    sent = {"to": ["pat.member@gmail.example"], "subject": "Note", "sent": "2026-11-20T11:00:00Z",
            "message_class": "IPM.StickyNote"}  # fmt: skip
    scenario = {"clock": "2026-11-23T09:00:00Z", "domains": ["example.org"],
                "service_account": {"email": "mailbot@example.org", "password": "x"},
                "mailboxes": [{"email": LI, "name": "Li Chen", "inbox": [mail], "sent": [sent]}]}  # fmt: skip
    org = load_scenario(scenario)
    types = [(m.item_type, m.item_class) for f in ("inbox", "sentitems") for m in org.messages(LI, f)]  # type: ignore[arg-type]
    assert [("SharingMessage", "IPM.Sharing"), ("Item", "IPM.StickyNote")] == types
    mail["message_class"] = "IPM.Note"
    with pytest.raises(
        ConfigError,
        match=r"mailboxes\[0\]\.inbox\[0\]: The message class 'IPM.Note' makes a Message, not a SharingMessage",
    ):
        load_scenario(scenario)


# -- Graph ----------------------------------------------------------------------------------------------------


def graph_session(server: SandboxServer, ca: SandboxCA) -> requests.Session:
    session = ca.requests_session()
    session.headers["Authorization"] = f"Bearer {server.org.issue_token()}"
    return session


def test_graph_types_meeting_messages_and_sharing_invitations(
    tls_sandbox: SandboxServer, sandbox_ca: SandboxCA
) -> None:
    """In a delta, meeting messages are eventMessage (Request, Response) and sharing invitations
    calendarSharingMessage; posts and generic items are messages, a post without recipients, an item without
    a sender."""
    graph, base = graph_session(tls_sandbox, sandbox_ca), tls_sandbox.graph_url
    link = graph.get(f"{base}/users/{LI}/mailFolders/inbox/messages/delta", timeout=10).json()["@odata.deltaLink"]
    one_of_each(tls_sandbox)
    changes = {c["subject"]: c for c in graph.get(link, timeout=10).json()["value"]}
    kinds = {s.removeprefix("A "): c["@odata.type"].rpartition(".")[2] for s, c in changes.items()}
    assert {"Message": "message", "Item": "message", "PostItem": "message", "MeetingRequest": "eventMessageRequest",
            "MeetingResponse": "eventMessageResponse", "MeetingCancellation": "eventMessage",
            "MeetingMessage": "eventMessage", "SharingMessage": "calendarSharingMessage"} == kinds  # fmt: skip
    post, item = changes["A PostItem"], changes["A Item"]
    assert ([], None, "pat.member@gmail.example") == (post["toRecipients"], item["from"],
                                                      post["from"]["emailAddress"]["address"])  # fmt: skip


def test_graph_shows_a_meeting_request_with_its_type_and_meeting(
    tls_sandbox: SandboxServer, sandbox_ca: SandboxCA
) -> None:
    """GET of a meeting request names its derived type even with $select, and its meeting without."""
    graph, base = graph_session(tls_sandbox, sandbox_ca), tls_sandbox.graph_url
    ids = one_of_each(tls_sandbox)
    path = f"{base}/users/{LI}/messages/{rest_id(ids['MeetingRequest'])}"
    full, selected = (
        graph.get(path, timeout=10).json(),
        graph.get(path, params={"$select": "subject"}, timeout=10).json(),
    )
    assert ("meetingRequest", "newMeetingRequest", "UTC", "#microsoft.graph.eventMessageRequest") == (
        full["meetingMessageType"], full["meetingRequestType"], full["startDateTime"]["timeZone"],
        selected["@odata.type"])  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "back_off_ms", "message"),
    [("exceeded_connection_count", 0, "Application is over its MailboxConcurrency limit."),
     ("wrapped_server_busy", 1500, "Application is over its request rate limit.")],
)  # fmt: skip
def test_graph_answers_the_ews_throttling_faults_with_429(
    tls_sandbox: SandboxServer, sandbox_ca: SandboxCA, kind: str, back_off_ms: int, message: str
) -> None:
    """Graph has no response messages: both faults are 429 ApplicationThrottled with a Retry-After of at least 1."""
    graph = graph_session(tls_sandbox, sandbox_ca)
    tls_sandbox.faults.arm(kind, times=1, back_off_ms=back_off_ms)
    answer = graph.get(f"{tls_sandbox.graph_url}/users/{LI}/presence", timeout=10)
    error = answer.json()["error"]
    assert (429, "ApplicationThrottled", message, str(max(1, math.ceil(back_off_ms / 1000)))) == (
        answer.status_code, error["code"], error["message"], answer.headers["Retry-After"])  # fmt: skip
