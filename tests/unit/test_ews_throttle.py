"""Reading Exchange's throttling refusals out of EWS answers, and how long to wait after each."""

from __future__ import annotations

import pytest

from mailbot.exchange.ews_throttle import Budget, Refusal, connection_wait, refusal

SOAP = ('<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
        "<s:Body>{body}</s:Body></s:Envelope>")  # fmt: skip
MESSAGE = ('<m:GetItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
           'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>'
           '<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>x</m:MessageText>'
           "<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
           "<m:MessageXml>{values}</m:MessageXml><m:Items/></m:GetItemResponseMessage></m:ResponseMessages>"
           "</m:GetItemResponse>")  # fmt: skip
FAULT = ('<s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy'
         "</faultcode><faultstring>busy</faultstring><detail>"
         '<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy'
         '</e:ResponseCode><t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
         '<t:Value Name="BackOffMilliseconds">2500</t:Value></t:MessageXml></detail></s:Fault>')  # fmt: skip


def answer(code: str, **values: str) -> bytes:
    xml = "".join(f'<t:Value Name="{name}">{value}</t:Value>' for name, value in values.items())
    return SOAP.format(body=MESSAGE.format(code=code, values=xml)).encode()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (answer("ErrorInternalServerError", InnerErrorMessageText="busy", InnerErrorResponseCode="ErrorServerBusy",
                InnerErrorDescriptiveLinkKey="0", BackOffMilliseconds="1500"), Refusal("ErrorServerBusy", 1.5)),
        (answer("ErrorExceededConnectionCount", Policy="MaxConcurrency", MaxConcurrencyLimit="27",
                ErrorMessage="... Budget type: 'Ews'.  Suggested backoff time 300 ms."),
         Refusal("ErrorExceededConnectionCount", 0.3)),
        (answer("ErrorServerBusy"), Refusal("ErrorServerBusy", None)),
        (SOAP.format(body=FAULT).encode(), Refusal("ErrorServerBusy", 2.5)),
    ],
)  # fmt: skip
def test_each_form_of_throttling_is_found_with_its_back_off(content: bytes, expected: Refusal) -> None:
    """ErrorServerBusy wrapped in ErrorInternalServerError, ErrorExceededConnectionCount with its suggestion, a
    bare ErrorServerBusy message and the SOAP fault are each read with the back-off the server asked for."""
    assert expected == refusal(content)


@pytest.mark.parametrize(
    "content",
    [answer("ErrorInternalServerError", InnerErrorResponseCode="ErrorInvalidLicense"), answer("ErrorItemNotFound"),
     b"<html>ErrorServerBusy in a body, not XML</html>", SOAP.format(body="<x>ErrorServerBusy</x>").encode()],
)  # fmt: skip
def test_other_errors_and_mentions_are_no_throttling(content: bytes) -> None:
    """Another inner error, another response code, or the word in text that is no response code is not throttling."""
    assert refusal(content) is None


def test_waits_for_connections_grow_while_refusals_mount() -> None:
    """After ErrorExceededConnectionCount the wait doubles from a second, or is the server's if it asks longer."""
    assert [1.0, 2.0, 4.0, 8.0, 30.0] == [connection_wait(0, 0), connection_wait(None, 1), connection_wait(0, 2),
                                          connection_wait(0, 3), connection_wait(30, 3)]  # fmt: skip


def test_a_budget_adds_up_waits_until_an_answer_comes() -> None:
    """A request's waits add up, counting refusals in a row, and start afresh after an answer."""
    budget = Budget()
    totals = [budget.spend(1.5), budget.spend(2.0)]
    streak = budget.streak
    budget.reset()
    assert ([1.5, 3.5], 2, 0, 1.0) == (totals, streak, budget.streak, budget.spend(1.0))
