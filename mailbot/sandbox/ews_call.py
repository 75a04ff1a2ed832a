"""One EWS request in progress: who is calling, as whom, and which mailboxes and folders it names."""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.sandbox.ews_items import IANA_ZONES, Where
from mailbot.sandbox.ews_xml import Element, EwsError, SoapFault, child_text, q
from mailbot.sandbox.org import HIERARCHY_ROOTS, Organisation
from mailbot.sandbox.records import FOLDERS, UnknownMailbox

# Distinguished folder names EWS clients use, mapped to the organisation's folders.
DISTINGUISHED = {name: name for name in (*FOLDERS, *HIERARCHY_ROOTS)}


@dataclass(frozen=True)
class Call:
    """The authenticated caller, the mailbox it impersonates (if any) and the request body."""

    org: Organisation
    principal: str
    impersonated: str | None
    timezone: str
    body: Element
    owa: str = ""  # https://host/owa/: Outlook on the web beside the EWS endpoint the request reached

    @classmethod
    def start(cls, org: Organisation, principal: str, headers: list[Element], body: Element, owa: str = "") -> Call:
        """Check the SOAP headers: an ExchangeImpersonation the account may not use is refused outright."""
        impersonated = None
        zone = "UTC"
        for header in headers:
            if header.tag == q("t:ExchangeImpersonation"):
                impersonated = _impersonated(org, header)
            elif header.tag == q("t:TimeZoneContext"):
                definition = header.find(q("t:TimeZoneDefinition"))
                zone = IANA_ZONES.get(definition.get("Id", "") if definition is not None else "", "UTC")
        return cls(org, principal, impersonated, zone, body, owa)

    def mailbox(self, named: str | None = None) -> str:
        """The mailbox an operation acts on: the one the request names, else the impersonated one, else the
        caller's own."""
        target = (named or self.impersonated or self.principal).lower()
        try:
            self.org.mailbox(target)
        except UnknownMailbox:
            raise EwsError(
                "ErrorNonExistentMailbox", f"The SMTP address {target} has no mailbox associated with it."
            ) from None
        if target not in (self.impersonated, self.principal) and not self.org.may_impersonate(target):
            raise EwsError("ErrorAccessDenied", f"The account does not have permission to access {target}.")
        return target

    def folder(self, node: Element) -> tuple[str, str]:
        """(mailbox, folder name) for a t:DistinguishedFolderId or t:FolderId element."""
        if node.tag == q("t:DistinguishedFolderId"):
            name = node.get("Id", "")
            if name not in DISTINGUISHED:
                raise EwsError("ErrorFolderNotFound", f"The distinguished folder {name!r} does not exist here.")
            return self.mailbox(child_text(node, "t:Mailbox/t:EmailAddress")), DISTINGUISHED[name]
        if node.tag == q("t:FolderId"):
            found = self.org.locate_folder(node.get("Id", ""))
            if found is None:
                raise EwsError("ErrorFolderNotFound", "The specified folder could not be found in the store.")
            return self.mailbox(found[0]), found[1]
        raise EwsError("ErrorInvalidRequest", f"Unsupported folder reference {node.tag}.")

    def item_owner(self, item_id: str) -> str:
        owner = self.org.owner_of(item_id)
        if owner is None:
            raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
        return self.mailbox(owner)

    def where(self, mailbox: str, folder: str) -> Where:
        return Where(self.org.folder_id(mailbox, folder), self.org.mailbox(mailbox).address, self.owa)


def _impersonated(org: Organisation, header: Element) -> str:
    sid = header.find(q("t:ConnectingSID"))
    address = next(
        (child_text(sid, f"t:{tag}") for tag in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName")
         if child_text(sid, f"t:{tag}")),
        None,
    )  # fmt: skip
    if address is None:
        raise SoapFault("ErrorInvalidExchangeImpersonationHeaderData", "ExchangeImpersonation names no account.")
    try:
        mailbox = org.mailbox(address)
    except UnknownMailbox:
        raise SoapFault(
            "ErrorNonExistentMailbox", f"The SMTP address {address} has no mailbox associated with it."
        ) from None
    if not org.may_impersonate(mailbox.email):
        raise SoapFault("ErrorImpersonateUserDenied", "The account does not have permission to impersonate the "
                        "requested user.")  # fmt: skip
    return mailbox.email
