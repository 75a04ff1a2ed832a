"""SOAP plumbing for the EWS front end: namespaces, a safe parser, element builders, envelopes and faults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
NSMAP = {"s": SOAP, "m": M, "t": T}
_PREFIXES = {"s": SOAP, "m": M, "t": T, "e": E}

# Exchange 2016 CU23; the Version string is the one such servers really send (exchangelib copes with it).
SERVER_VERSION = {"MajorVersion": "15", "MinorVersion": "1", "MajorBuildNumber": "2507",
                  "MinorBuildNumber": "6", "Version": "V2017_07_11"}  # fmt: skip

# Requests are untrusted input: no entity expansion, no network, no DTD games. A file attachment's base64 is one
# text node of up to Exchange's message size (tens of MB), beyond libxml2's default 10 MB: huge_tree lifts that,
# and the request's length is capped before parsing (ews_app.MAX_REQUEST), as IIS caps it for EWS.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                         remove_blank_text=True)  # fmt: skip

# lxml ships without type hints (mypy sees it as Any), so elements are typed loosely under one name.
Element: TypeAlias = Any


class SoapFault(Exception):
    """A request-level failure, answered as a SOAP fault with HTTP 500 (as Exchange does)."""

    def __init__(self, code: str, message: str, *, back_off_ms: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.back_off_ms = code, message, back_off_ms


class EwsError(Exception):
    """An error for one response message (ResponseClass="Error"); the rest of the request carries on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def q(name: str) -> str:
    """'t:Subject' -> '{types-namespace}Subject'."""
    prefix, _, local = name.partition(":")
    return f"{{{_PREFIXES[prefix]}}}{local}"


def el(name: str, text: object = None, /, **attrs: object) -> Element:
    node = etree.Element(q(name), nsmap=NSMAP)
    _fill(node, text, attrs)
    return node


def sub(parent: Element, name: str, text: object = None, /, **attrs: object) -> Element:
    node = etree.SubElement(parent, q(name))
    _fill(node, text, attrs)
    return node


def _fill(node: Element, text: object, attrs: dict[str, object]) -> None:
    for key, value in attrs.items():
        if value is not None:
            node.set(key, _text(value))
    if text is not None:
        node.text = _text(text)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return utc(value)
    return str(value)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, default_tz: str = "UTC") -> datetime:
    """An xs:dateTime; a value without offset is in the request's TimeZoneContext, as EWS reads it."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(default_tz))


def child_text(node: Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path, namespaces=_PREFIXES)
    return found.text if found is not None and found.text is not None else None


def children(node: Element | None, name: str) -> list[Element]:
    """The children of `node`'s child `name` (e.g. the ids inside m:ItemIds); none if it is missing."""
    found = node.find(q(name)) if node is not None else None
    return list(found) if found is not None else []


def parse_envelope(data: bytes) -> tuple[list[Element], Element]:
    """(SOAP header children, first body child) of a request."""
    try:
        root = etree.fromstring(data, parser=PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapFault("ErrorSchemaValidation", f"The request is not well-formed XML: {exc}.") from None
    header, body = root.find(q("s:Header")), root.find(q("s:Body"))
    if root.tag != q("s:Envelope") or body is None or len(body) == 0:
        raise SoapFault("ErrorSchemaValidation", "The request is not a SOAP 1.1 envelope with a body.")
    return (list(header) if header is not None else []), body[0]


def envelope(payload: Element) -> tuple[bytes, Element, Element]:
    """The response document plus its ServerVersionInfo header and body child (for observers)."""
    root = etree.Element(q("s:Envelope"), nsmap={"s": SOAP})
    header = etree.SubElement(root, q("s:Header"))
    version = etree.SubElement(header, q("t:ServerVersionInfo"), nsmap={"t": T})
    for key, value in SERVER_VERSION.items():
        version.set(key, value)
    etree.SubElement(root, q("s:Body")).append(payload)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8"), version, payload


def fault(error: SoapFault) -> Element:
    """A SOAP fault shaped like Exchange's: ResponseCode and Message in the detail, back-off in MessageXml."""
    node = etree.Element(q("s:Fault"), nsmap={"s": SOAP})
    code = etree.SubElement(node, "faultcode", nsmap={"a": T})
    code.text = f"a:{error.code}"
    etree.SubElement(node, "faultstring").text = error.message
    detail = etree.SubElement(node, "detail")
    etree.SubElement(detail, q("e:ResponseCode"), nsmap={"e": E}).text = error.code
    etree.SubElement(detail, q("e:Message"), nsmap={"e": E}).text = error.message
    if error.back_off_ms is not None:
        xml = etree.SubElement(detail, q("t:MessageXml"), nsmap={"t": T})
        value = etree.SubElement(xml, q("t:Value"), Name="BackOffMilliseconds")
        value.text = str(error.back_off_ms)
    return node


def response_message(operation: str, error: EwsError | None = None) -> Element:
    """An m:<Operation>ResponseMessage: Success/NoError, or Error with the code and its text."""
    node = el(f"m:{operation}ResponseMessage", ResponseClass="Error" if error else "Success")
    if error is not None:
        sub(node, "m:MessageText", error.message)
    sub(node, "m:ResponseCode", error.code if error else "NoError")
    if error is not None:
        sub(node, "m:DescriptiveLinkKey", 0)
    return node
