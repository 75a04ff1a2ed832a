"""Microsoft Graph's wire conventions for the sandbox: errors, replies, the request in progress, ids and Prefer.

Graph's ids are the EWS ids made URL-safe ('/' -> '-', '+' -> '_'), as Exchange Online's REST ids are, so one
item has the same identity on both front ends.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request

from mailbot.sandbox.org import Organisation

JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
CHALLENGE = ('Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
             f'client_id="{GRAPH_APP_ID}"')  # fmt: skip
NOT_FOUND = "The specified object was not found in the store."
MAX_PAGE = 1000  # the largest page Graph hands out for calendarView ($top) and delta (odata.maxpagesize)
_PREFERENCE = re.compile(r'([\w.-]+)\s*=\s*(?:"([^"]*)"|([^,;\s]+))')
# Characters left readable in the links the sandbox builds (OData names, ISO times, lists).
_LINK_SAFE = "$,:'()@"


class GraphError(Exception):
    """A refusal as Graph words it: HTTP status, error code, message, and any headers (Retry-After, ...)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, dict(headers or {})


@dataclass(frozen=True)
class Reply:
    """What a route answers: status, JSON body (None: no body) and extra headers."""

    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One Graph request being answered: the organisation, the HTTP request, the route's parameters and the
    mailbox it acts on (already checked: it exists and the app may use it; "" when the route names none)."""

    org: Organisation
    request: Request
    params: dict[str, str]
    user: str = ""

    @property
    def base(self) -> str:
        """The Graph root as this client reached it (links are built from the request's host)."""
        return self.request.host_url.rstrip("/") + "/v1.0"

    def arg(self, name: str) -> str | None:
        """A query option; OData's system options are accepted with or without their `$`."""
        value = self.request.args.get(name)
        return value if value is not None or not name.startswith("$") else self.request.args.get(name[1:])

    def prefer(self, name: str) -> str | None:
        """The value of one preference in the Prefer header(s), e.g. outlook.timezone or odata.maxpagesize."""
        for header in self.request.headers.getlist("Prefer"):
            for key, quoted, bare in _PREFERENCE.findall(header):
                if key.lower() == name.lower():
                    return str(quoted or bare)
        return None

    def json(self) -> dict[str, Any]:
        try:
            payload = json.loads(self.request.get_data() or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type "
                             "header is set and payload is of valid JSON format.")  # fmt: skip
        return payload

    def context(self, suffix: str) -> str:
        """The @odata.context of an answer about the path's user, e.g. `.../$metadata#users('x')/mailboxSettings`,
        naming the user as the path does (address or object id), as Graph echoes it."""
        return f"{self.base}/$metadata#users('{quote(self.params['user'], safe='')}')/{suffix}"

    def link(self, changes: dict[str, str | None]) -> str:
        """This request's URL with some query options replaced, added or (None) removed: a nextLink."""
        wanted = {k.lower() for k in changes}
        kept = [(k, v) for k, v in self.request.args.items(multi=True) if k.lower() not in wanted]
        added = [(k, v) for k, v in changes.items() if v is not None]
        query = urlencode(kept + added, safe=_LINK_SAFE, quote_via=quote)
        path = quote(self.request.path, safe="/@$")
        return f"{self.request.host_url.rstrip('/')}{path}?{query}"

    def page_size(self, default: int = 10) -> tuple[int, str | None]:
        """The page size a client asks for with $top or `Prefer: odata.maxpagesize`, and the preference applied
        (for the Preference-Applied header) when it was the latter."""
        top = self.arg("$top")
        if top is not None:
            return _count(top, "$top"), None
        asked = self.prefer("odata.maxpagesize")
        if asked is None or not asked.isdigit() or int(asked) < 1:
            return default, None  # a preference the server cannot honour is ignored, not refused
        size = min(int(asked), MAX_PAGE)
        return size, f"odata.maxpagesize={size}"

    def selected(self, known: frozenset[str], kind: str) -> list[str] | None:
        """The properties $select names (None: no $select); a name `kind` lacks is refused, as Graph does."""
        text = self.arg("$select")
        if text is None:
            return None
        names = [n.strip() for n in text.split(",") if n.strip()]
        lowered = {k.lower() for k in known}
        for name in names:
            if name.lower() not in lowered:
                raise GraphError(
                    400,
                    "RequestBroker--ParseUri",
                    f"Could not find a property named '{name}' on type 'microsoft.graph.{kind}'.",
                )
        return names


def rest_id(store_id: str) -> str:
    """An organisation item id as Graph spells it."""
    return store_id.replace("/", "-").replace("+", "_")


def store_id(graph_id: str) -> str:
    """The organisation's item id for an id Graph handed out."""
    return graph_id.replace("-", "/").replace("_", "+")


def pick(full: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
    """The properties $select asked for (case-insensitively), always with @odata annotations and the id."""
    if names is None:
        return full
    wanted = {n.lower() for n in names} | {"id"}
    return {k: v for k, v in full.items() if k.startswith("@") or k.lower() in wanted}


def applied(*preferences: str | None) -> dict[str, str]:
    """The Preference-Applied header for the preferences honoured (none: no header)."""
    honoured = [p for p in preferences if p]
    return {"Preference-Applied": ", ".join(honoured)} if honoured else {}


def select_suffix(names: list[str] | None) -> str:
    """How @odata.context names a $select: `calendarView(subject,start)`."""
    return f"({','.join(names)})" if names else ""


def _count(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PAGE:
        raise GraphError(400, "ErrorInvalidParameter", f"The value '{text}' of {name} must be a whole number from "
                         f"1 to {MAX_PAGE}.")  # fmt: skip
    return value
