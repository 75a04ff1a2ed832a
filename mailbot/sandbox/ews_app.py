"""The EWS endpoint as a WSGI app: authentication, faults, SOAP parsing, dispatch and validation observers."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Iterable, Sequence

import structlog
from werkzeug.wrappers import Request, Response

from mailbot.sandbox import ews_folders, ews_mail, ews_misc, ews_throttle
from mailbot.sandbox.ews_call import Call
from mailbot.sandbox.ews_schema import SCHEMA_DIR, violations
from mailbot.sandbox.ews_xml import Element, SoapFault, envelope, fault, parse_envelope
from mailbot.sandbox.faults import DropConnection, Faults
from mailbot.sandbox.ntlm import CONNECTION, SCHEMES, WindowsLogon
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.records import EXCHANGE_RESOURCE

log = structlog.get_logger(__name__)

Observer = Callable[[str, Element], None]
Operation = Callable[[Call], Element]

OPERATIONS: dict[str, Operation] = {
    "ConvertId": ews_misc.convert_id,
    "GetFolder": ews_folders.get_folder,
    "FindItem": ews_folders.find_item,
    "GetItem": ews_mail.get_item,
    "SyncFolderItems": ews_mail.sync_folder_items,
    "CreateItem": ews_mail.create_item,
    "UpdateItem": ews_mail.update_item,
    "DeleteItem": ews_mail.delete_item,
    "GetAttachment": ews_mail.get_attachment,
    "GetUserOofSettingsRequest": ews_misc.get_user_oof_settings,
    "SetUserOofSettingsRequest": ews_misc.set_user_oof_settings,
    "ResolveNames": ews_misc.resolve_names,
    "GetServerTimeZones": ews_misc.get_server_time_zones,
}
MAX_REQUEST = 150 * 1024 * 1024  # maxAllowedContentLength in the web.config of Exchange 2016's EWS virtual directory
_BUSY = "The server cannot service this request right now. Try again later."
# Exchange serves its schema beside the endpoint; clients and tools read it there.
_SCHEMA_FILES = {"/ews/services.wsdl": "services.wsdl", "/ews/messages.xsd": "messages.xsd",
                 "/ews/types.xsd": "types.xsd"}  # fmt: skip


class EwsApp:
    """POST /EWS/Exchange.asmx: NTLM, Negotiate, Basic or Bearer auth, then one SOAP operation per request.

    `strict` validates every SOAP Header and Body child received or sent against Microsoft's schema, as Exchange
    validates requests: a request that breaks it is refused with ErrorSchemaValidation, and an answer of the
    sandbox's own that breaks it becomes ErrorInternalServerError. Either is also kept in `schema_violations`.
    `channel_binding`: the TLS certificate's tls-server-end-point binding, which NTLM logons must match (ntlm.py).
    """

    def __init__(self, org: Organisation, faults: Faults, observers: Sequence[Observer] = (), *, strict: bool = False,
                 channel_binding: bytes | None = None) -> None:  # fmt: skip
        self.org, self.faults, self.strict = org, faults, strict
        self.windows = WindowsLogon(org.service_account, org.service_password, channel_binding)
        # Keep the caller's list (not a copy), so observers added while serving take effect.
        self.observers = observers if isinstance(observers, list) else list(observers)
        self.schema_violations: list[str] = []

    def __call__(self, environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)  # type: ignore[arg-type]

    def handle(self, request: Request) -> Response:
        data = request.get_data()  # always drain the body, so the kept-alive connection stays in step
        schema_file = _SCHEMA_FILES.get(request.path.lower()) if request.method == "GET" else None
        if request.method != "POST" and schema_file is None:
            return Response("EWS answers POST requests.\n", 405, {"Allow": "POST"}, content_type="text/plain")
        principal = self._authenticate(request)
        if isinstance(principal, Response):
            return principal
        if len(data) > MAX_REQUEST:  # IIS request filtering, before EWS sees the request
            return Response("HTTP Error 404.13 - Not Found: the request filtering module denies a request that "
                            "exceeds the request content length.\n", 404, content_type="text/plain")  # fmt: skip
        if schema_file is not None:
            return Response((SCHEMA_DIR / schema_file).read_bytes(), content_type="text/xml; charset=utf-8")
        started = time.monotonic()
        operation = "?"
        try:
            headers, body = parse_envelope(data)
            operation = str(body.tag).rpartition("}")[2]
            self._observe("request", [*headers, body])
            self._validate("request", [*headers, body])
            injected = self._inject_fault(operation)
            if isinstance(injected, Response):
                return injected
            payload = (
                injected
                if injected is not None
                else self._dispatch(operation, principal, headers, body, request.host_url)
            )
            status = 200
        except SoapFault as error:
            payload, status = fault(error), 500
        document, version, answer = envelope(payload)
        self._observe("response", [version, answer])
        try:
            self._validate("response", [version, answer])
        except SoapFault as error:
            (document, _, _), status = envelope(fault(error)), 500
        log.debug("ews", operation=operation, principal=principal, status=status,
                  ms=round((time.monotonic() - started) * 1000, 1))  # fmt: skip
        return Response(document, status, content_type="text/xml; charset=utf-8")

    def _validate(self, direction: str, elements: list[Element]) -> None:
        """In strict mode, refuse what breaks Microsoft's schema, as Exchange refuses such requests."""
        if not self.strict:
            return
        found = [f"{direction} {problem}" for element in elements for problem in violations(element)]
        if not found:
            return
        self.schema_violations.extend(found)
        log.error("ews_schema_violation", problems=found)
        if direction == "request":
            raise SoapFault("ErrorSchemaValidation", f"The request failed schema validation: {found[0]}")
        raise SoapFault("ErrorInternalServerError", f"The sandbox's answer broke the EWS schema: {found[0]}")

    def _dispatch(self, operation: str, principal: str, headers: list[Element], body: Element, host: str) -> Element:
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise SoapFault("ErrorSchemaValidation", f"The request failed schema validation: the sandbox does "
                            f"not implement the operation {operation!r}.")  # fmt: skip
        # Outlook on the web lives beside EWS on an Exchange server: its item links point there.
        call = Call.start(self.org, principal, headers, body, owa=host.rstrip("/") + "/owa/")
        try:
            return handler(call)
        except SoapFault:
            raise
        except Exception as exc:
            # A bug in the sandbox must look like a server error to the client, not a dropped connection.
            log.exception("ews_operation_failed", operation=operation)
            raise SoapFault("ErrorInternalServerError", f"An internal server error occurred: {exc}") from None

    def _authenticate(self, request: Request) -> str | Response:
        """Who the request acts as, or the 401 to answer: NTLM's challenge mid-handshake, or the offered schemes.

        NTLM and Negotiate log the connection on (see ntlm.py), so a later request on it carries no header."""
        connection = request.environ.get(CONNECTION)
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() in ("ntlm", "negotiate"):
            outcome = self.windows.step(connection, scheme, credentials)
            if outcome.challenge is not None:
                return Response(b"", 401, {"WWW-Authenticate": outcome.challenge})
            principal = outcome.principal
        elif not scheme:
            principal = self.windows.authenticated(connection)
        else:
            principal = self._principal(scheme, credentials)
        if principal is None:
            # Clients read the schemes offered here to pick (and confirm) their authentication, as from IIS.
            offered = [*SCHEMES, 'Basic realm="sandbox"']
            return Response(b"", 401, [("WWW-Authenticate", offered_scheme) for offered_scheme in offered])
        return principal

    def _principal(self, scheme: str, credentials: str) -> str | None:
        if scheme.lower() == "bearer":
            # Exchange Online takes only tokens issued for it: a Graph token is as good as none here.
            token = self.org.bearer_token(credentials.strip())
            if token is None or not token.valid_at(self.org.clock.now()) or not token.accepted_by(EXCHANGE_RESOURCE):
                return None
            return token.principal
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(credentials.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user.lower() if self.org.check_password(user, password) else None

    def _inject_fault(self, operation: str) -> Response | Element | None:
        """The armed fault's answer: an HTTP one, a throttling response message for `operation` (HTTP 200), or
        None to answer normally."""
        injected = self.faults.take()
        if injected is None:
            return None
        refused = ews_throttle.refusal(operation, injected)
        if refused is not None:
            return refused
        if injected.kind == "slow":
            time.sleep(injected.seconds)
            return None
        if injected.kind == "gate":
            self.faults.pass_gate(injected)
            return None
        if injected.kind in ("http_429", "http_503"):
            status, text = (429, "Too Many Requests") if injected.kind == "http_429" else (503, "Service Unavailable")
            return Response(f"{text}\n", status, {"Retry-After": str(injected.retry_after)}, content_type="text/plain")
        if injected.kind == "drop_connection":
            raise DropConnection("fault: drop the connection")
        raise SoapFault("ErrorServerBusy", _BUSY, back_off_ms=injected.back_off_ms)

    def _observe(self, direction: str, elements: list[Element]) -> None:
        for observer in self.observers:
            for element in elements:
                try:
                    observer(direction, element)
                except Exception:
                    # An observer is a test aid; its failure must not turn into a protocol failure.
                    log.exception("ews_observer_failed", direction=direction)
