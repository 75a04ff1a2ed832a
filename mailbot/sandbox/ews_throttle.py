"""Throttling refusals the EWS front end answers in an HTTP 200 response message, as Exchange does.

Besides the SOAP fault ErrorServerBusy (HTTP 500, ews_xml.fault), Exchange refuses a throttled request with a
response message of the operation it was asked for ("EWS throttling in Exchange"):
- ErrorExceededConnectionCount, when the account has more requests in flight than its policy's EwsMaxConcurrency;
- ErrorInternalServerError carrying ErrorServerBusy as its inner error (InnerErrorResponseCode, ...), which is how
  Exchange words a response code the client's requested schema version predates, BackOffMilliseconds after it.
Each answer is the operation's own response, shaped as the schema wants it even for an error.
"""

from __future__ import annotations

from mailbot.sandbox.ews_xml import Element, EwsError, el, response_message, sub
from mailbot.sandbox.faults import Fault

EWS_MAX_CONCURRENCY = 27  # EwsMaxConcurrency of Exchange 2016's default throttling policy
_BUSY = "The server cannot service this request right now. Try again later."
_INTERNAL = "An internal server error occurred. The operation failed."
_CONNECTIONS = ("You have exceeded the available concurrent connections for your account.  Try again once your "
                "other requests have completed.")  # fmt: skip
# The availability operations answer with a bare m:ResponseMessage, not a list of named ones.
_PLAIN = {"GetUserOofSettingsRequest": "m:GetUserOofSettingsResponse",
          "SetUserOofSettingsRequest": "m:SetUserOofSettingsResponse"}  # fmt: skip
_ITEMS = ("GetItem", "CreateItem", "UpdateItem")  # ItemInfoResponseMessageType demands m:Items, even empty


def refusal(operation: str, fault: Fault) -> Element | None:
    """The answer to `operation` for a throttling fault that Exchange sends in a response message, or None."""
    if fault.kind == "exceeded_connection_count":
        details = {
            "Policy": "MaxConcurrency",
            "MaxConcurrencyLimit": str(EWS_MAX_CONCURRENCY),
            "ErrorMessage": f"This operation exceeds the throttling budget for policy part 'MaxConcurrency', policy "
            f"value '{EWS_MAX_CONCURRENCY}', Budget type: 'Ews'.  Suggested backoff time {fault.back_off_ms} ms.",
        }
        return _answer(operation, EwsError("ErrorExceededConnectionCount", _CONNECTIONS), details)
    if fault.kind == "wrapped_server_busy":
        details = {"InnerErrorMessageText": _BUSY, "InnerErrorResponseCode": "ErrorServerBusy",
                   "InnerErrorDescriptiveLinkKey": "0", "BackOffMilliseconds": str(fault.back_off_ms)}  # fmt: skip
        return _answer(operation, EwsError("ErrorInternalServerError", _INTERNAL), details)
    return None


def _answer(operation: str, error: EwsError, details: dict[str, str]) -> Element:
    if operation in _PLAIN:
        response = el(_PLAIN[operation])
        message = sub(response, "m:ResponseMessage", ResponseClass="Error")
        for part in response_message(operation, error):
            message.append(part)
    else:
        response = el(f"m:{operation}Response")
        message = sub(sub(response, "m:ResponseMessages"), f"m:{operation}ResponseMessage", ResponseClass="Error")
        for part in response_message(operation, error):
            message.append(part)
    xml = sub(message, "m:MessageXml")
    for name, value in details.items():
        sub(xml, "t:Value", value, Name=name)
    _required_parts(operation, message)
    return response


def _required_parts(operation: str, message: Element) -> None:
    """What the operation's response message type demands after MessageXml, error or not."""
    if operation in _ITEMS:
        sub(message, "m:Items")
    elif operation == "SyncFolderItems":  # as the sandbox answers every failed sync (see ews_mail)
        sub(message, "m:SyncState", "")
        sub(message, "m:IncludesLastItemInRange", True)
    elif operation == "GetServerTimeZones":
        sub(message, "m:TimeZoneDefinitions")
