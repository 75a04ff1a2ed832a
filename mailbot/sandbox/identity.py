"""The Microsoft identity platform in miniature: OpenID discovery and the client-credentials grant, per tenant.

    GET  /{tenant}/v2.0/.well-known/openid-configuration   what msal reads (with instance_discovery=False)
    GET  /{tenant}/discovery/v2.0/keys                     the signing keys: none, the access tokens are opaque
    POST /{tenant}/oauth2/v2.0/token                       grant_type=client_credentials, scope=<resource>/.default

An app proves itself with its client secret (form field or HTTP Basic) or with a client assertion: a JWT signed
(RS256 or PS256) by the private key of the app's registered certificate, named by its x5t or x5t#S256 thumbprint,
with aud = this token endpoint and iss = sub = client id. Refusals look like Entra ID's: JSON with `error` and an
`error_description` that starts "AADSTSnnnn: ..." and ends with trace lines.

An app-only token acts as the organisation's service account: it may impersonate exactly the mailboxes the
service account may, as an app granted ApplicationImpersonation does in Exchange Online. Each token remembers the
resource its scope named (its audience): EWS takes only Exchange tokens, Graph only Graph tokens. Tokens expire on the
sandbox clock (`org.expire_tokens()` ends them early). Client assertions, though, are stamped by msal with the
machine's own clock, so their exp and nbf are checked against `assertion_clock`, not the sandbox's fixed time.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mailbot.clock import Clock
from mailbot.sandbox.apps import AppRegistration
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.records import EXCHANGE_RESOURCE, GRAPH_RESOURCE

log = structlog.get_logger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Resources an app-only token may be for, by URI or application id: Exchange Online (EWS) and Microsoft Graph.
# Each token remembers its resource (the audience), and each front end takes only tokens issued for it.
RESOURCES = {"https://outlook.office365.com": EXCHANGE_RESOURCE, "https://outlook.office.com": EXCHANGE_RESOURCE,
             "00000002-0000-0ff1-ce00-000000000000": EXCHANGE_RESOURCE, "https://graph.microsoft.com": GRAPH_RESOURCE,
             "00000003-0000-0000-c000-000000000000": GRAPH_RESOURCE}  # fmt: skip
CLOCK_SKEW_SECONDS = 300  # how far a client's clock may be off, as Entra ID allows
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"

_ROUTES = Map([
    Rule("/<tenant>/v2.0/.well-known/openid-configuration", methods=["GET"], endpoint="discovery"),
    Rule("/<tenant>/discovery/v2.0/keys", methods=["GET"], endpoint="keys"),
    Rule("/<tenant>/oauth2/v2.0/token", methods=["POST"], endpoint="token"),
])  # fmt: skip


class Refusal(Exception):
    """A request Entra ID would refuse: HTTP status, OAuth error, AADSTS number and sentence."""

    def __init__(self, status: int, error: str, code: int, text: str) -> None:
        super().__init__(text)
        self.status, self.error, self.code, self.text = status, error, code, text


class IdentityApp:
    """The token endpoint for the apps registered in `org.apps`."""

    def __init__(self, org: Organisation, assertion_clock: Clock) -> None:
        self.org, self.assertion_clock = org, assertion_clock

    @staticmethod
    def serves(path: str, method: str = "GET") -> bool:
        """Whether `path` is one of this app's routes (with any method)."""
        try:
            _ROUTES.bind("sandbox").match(path, method)
        except MethodNotAllowed:
            return True
        except HTTPException:
            return False
        return True

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        request.get_data()  # always drain the body, so a kept-alive connection stays in step
        try:
            endpoint, args = _ROUTES.bind_to_environ(request.environ).match()
            tenant = str(args["tenant"])
            if not self.org.apps.knows_tenant(tenant):
                raise Refusal(400, "invalid_tenant" if endpoint == "discovery" else "invalid_request", 90002,
                              f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                              "and are signing in to the correct cloud.")  # fmt: skip
            if endpoint == "discovery":
                return _json(self._discovery(request, tenant))
            if endpoint == "keys":
                return _json({"keys": []})
            return self._token(request, tenant)
        except Refusal as refusal:
            log.info("identity_refused", path=request.path, code=refusal.code, error=refusal.error)
            return self._refusal(request, refusal)
        except HTTPException as exc:
            return _json({"error": "invalid_request", "error_description": exc.description}, exc.code or 400)

    def _discovery(self, request: Request, tenant: str) -> dict[str, Any]:
        base = f"{request.host_url.rstrip('/')}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "request_uri_parameter_supported": False,
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
        }

    def _token(self, request: Request, tenant: str) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials":
            raise Refusal(400, "unsupported_grant_type", 70003,
                          "The app requested an unsupported grant type; the sandbox issues client_credentials "
                          "(app-only) tokens only.")  # fmt: skip
        basic = request.authorization if request.authorization and request.authorization.type == "basic" else None
        client_id = form.get("client_id") or (basic.username if basic else None)
        if not client_id:
            raise _missing("client_id")
        app = self.org.apps.find(tenant, client_id)
        if app is None:
            raise Refusal(400, "unauthorized_client", 700016,
                          f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. "
                          "This can happen if the application has not been installed by the administrator of the "
                          "tenant or consented to by any user in the tenant.")  # fmt: skip
        audience = _resource(form.get("scope", ""))
        if form.get("client_assertion"):
            self._check_assertion(app, form, request.base_url)
            method = "certificate"
        elif form.get("client_secret") or (basic and basic.password):
            if not app.check_secret(form.get("client_secret") or (basic.password if basic else "") or ""):
                raise Refusal(401, "invalid_client", 7000215,
                              "Invalid client secret provided. Ensure the secret being sent in the request is the "
                              f"client secret value, not the client secret ID, for a secret added to app "
                              f"'{app.client_id}'.")  # fmt: skip
            method = "secret"
        else:
            raise Refusal(401, "invalid_client", 7000218, "The request body must contain the following parameter: "
                          "'client_assertion' or 'client_secret'.")  # fmt: skip
        lifetime = self.org.apps.token_lifetime
        token = self.org.issue_token(self.org.service_account, lifetime, audience)
        self.org.apps.record_issued(app.client_id, token)
        log.info("identity_token", tenant=tenant, client_id=app.client_id, proof=method, audience=audience)
        seconds = int(lifetime.total_seconds())
        return _json({"token_type": "Bearer", "expires_in": seconds, "ext_expires_in": seconds,
                      "access_token": token})  # fmt: skip

    def _check_assertion(self, app: AppRegistration, form: Any, audience: str) -> None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise Refusal(400, "invalid_request", 90014, f"The request body must contain the parameter "
                          f"'client_assertion_type' with the value '{ASSERTION_TYPE}'.")  # fmt: skip
        header, claims, signed, signature = _parse_jwt(str(form.get("client_assertion")))
        thumbprint = _thumbprint(header)
        key = app.signing_key(thumbprint)
        if key is None:
            raise Refusal(401, "invalid_client", 700027,
                          "The certificate with identifier used to sign the client assertion is not registered "
                          f"on application. [Reason - The key was not found., Thumbprint of key used by client: "
                          f"'{thumbprint.upper()}']")  # fmt: skip
        algorithm = header.get("alg")
        scheme: padding.AsymmetricPadding
        if algorithm == "RS256":
            scheme = padding.PKCS1v15()
        elif algorithm == "PS256":
            scheme = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
        else:
            raise Refusal(401, "invalid_client", 5002738, f"Invalid JWT token. '{algorithm}' is not a supported "
                          "signature algorithm; use RS256 or PS256.")  # fmt: skip
        try:
            key.verify(signature, signed, scheme, hashes.SHA256())
        except InvalidSignature:
            raise Refusal(401, "invalid_client", 700027, "Client assertion failed signature validation.") from None
        if claims.get("aud") != audience:
            raise Refusal(401, "invalid_client", 700212, f"The client assertion's audience "
                          f"'{claims.get('aud')}' is not this token endpoint, {audience}.")  # fmt: skip
        if not claims.get("iss") == claims.get("sub") == app.client_id:
            raise Refusal(
                401,
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            )
        now = self.assertion_clock.now().timestamp()
        expires, not_before = _number(claims, "exp"), _number(claims, "nbf", default=now)
        if not (not_before - CLOCK_SKEW_SECONDS <= now <= expires + CLOCK_SKEW_SECONDS):
            raise Refusal(401, "invalid_client", 700024, f"Client assertion is not within its valid time range. "
                          f"Current time: {now:.0f}, assertion valid from {not_before:.0f}, expiry time of "
                          f"assertion {expires:.0f}.")  # fmt: skip

    def _refusal(self, request: Request, refusal: Refusal) -> Response:
        trace = str(uuid.uuid4())
        correlation = request.headers.get("client-request-id") or str(uuid.uuid4())
        stamp = self.org.clock.now().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return _json({
            "error": refusal.error,
            "error_description": f"AADSTS{refusal.code}: {refusal.text}\r\nTrace ID: {trace}\r\n"
                                 f"Correlation ID: {correlation}\r\nTimestamp: {stamp}",
            "error_codes": [refusal.code], "timestamp": stamp, "trace_id": trace, "correlation_id": correlation,
            "error_uri": f"{request.host_url.rstrip('/')}/error?code={refusal.code}",
        }, refusal.status)  # fmt: skip


def bearer_challenge(environ: dict[str, Any], start_response: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap EWS's start_response so a 401 to a bearer token challenges for a bearer token, as Exchange Online
    does (EWS answers an expired or unknown token with 401 and `error="invalid_token"`)."""
    host = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'localhost')}"
    challenge = (f'Bearer client_id="{EXCHANGE_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
                 f'token_types="app_asserted_user_v1 service_asserted_app_v1", '
                 f'authorization_uri="{host}/common/oauth2/authorize", error="invalid_token"')  # fmt: skip

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if status.startswith("401"):
            headers = [(k, v) for k, v in headers if k.lower() != "www-authenticate"]
            headers += [("WWW-Authenticate", challenge),
                        ("x-ms-diagnostics", '2000001;reason="The token is expired or not valid.";'
                                             'error_category="invalid_token"')]  # fmt: skip
        return start_response(status, headers, exc_info)

    return start


def _resource(scope: str) -> str:
    """The resource a client-credentials scope asks for (canonical URI), or a Refusal as Entra ID words it."""
    if not scope:
        raise _missing("scope")
    scopes = scope.split()
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        raise Refusal(400, "invalid_scope", 1002012,
                      f"The provided value for scope {scope} is not valid. Client credential flows must have a scope "
                      "value with /.default suffixed to the resource identifier (application ID URI).")  # fmt: skip
    resource = scopes[0].removesuffix("/.default").rstrip("/")
    if resource.lower() not in RESOURCES:
        raise Refusal(400, "invalid_resource", 500011, f"The resource principal named {resource} was not found "
                      "in the tenant.")  # fmt: skip
    return RESOURCES[resource.lower()]


def _missing(name: str) -> Refusal:
    return Refusal(400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'.")


def _parse_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signed bytes, signature) of a compact JWS, or a Refusal if it is not one."""
    try:
        head, body, signature = token.split(".")
        header, claims = json.loads(_unb64(head)), json.loads(_unb64(body))
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise ValueError("not JSON objects")
        return header, claims, f"{head}.{body}".encode(), _unb64(signature)
    except (ValueError, binascii.Error):
        raise Refusal(401, "invalid_client", 50027, "JWT token is invalid or malformed.") from None


def _thumbprint(header: dict[str, Any]) -> str:
    """The certificate thumbprint the assertion names (x5t#S256 before x5t), in lower-case hex."""
    named = header.get("x5t#S256") or header.get("x5t") or ""
    try:
        return _unb64(str(named)).hex()
    except (ValueError, binascii.Error):
        return ""


def _number(claims: dict[str, Any], name: str, default: float | None = None) -> float:
    value = claims.get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise Refusal(401, "invalid_client", 50027, f"JWT token is invalid or malformed: no numeric '{name}' claim.")
    return float(value)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value), status, {"Cache-Control": "no-store", "Pragma": "no-cache"},
                    content_type="application/json; charset=utf-8")  # fmt: skip
