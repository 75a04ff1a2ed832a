"""The link to an EWS item in Outlook on the web, from the WebClientReadFormQueryString Exchange returns."""

from __future__ import annotations

from mailbot.exchange.ews_read import owa_address, web_link

OWA = owa_address("https://mail.example.org/EWS/Exchange.asmx")


def test_exchange_2013_and_later_give_the_whole_address_which_is_kept() -> None:
    """A whole URL (Exchange 2013 CU3 and later) is the link as it is."""
    full = "https://mail.example.org/owa/?ItemID=AAMkA%2Bb%3D&exvsurl=1&viewmodel=ReadMessageItem"
    assert full == web_link(full, OWA)


def test_exchange_2010_gives_a_query_string_read_against_outlook_on_the_web() -> None:
    """A bare query string (Exchange 2010) is appended to OWA beside the EWS endpoint; without one, no link."""
    query = "?ae=Item&a=Open&t=IPM.Note&id=RgAAAAD%2b&exvsurl=1"
    assert ["https://mail.example.org/owa/" + query, "", "", ""] == [
        web_link(query, OWA), web_link(query, owa_address(None)), web_link(None, OWA), web_link("javascript:x", OWA)
    ]  # fmt: skip
