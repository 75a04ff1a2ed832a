"""The admin API: JSON over HTTP on localhost for demos and tests to steer the sandbox from outside.

GET /admin/mailboxes/<email>/<folder> and /admin/outbox show each message with its attachments (name, content type,
content id, inline flag, and the content in base64).

No authentication: it answers loopback clients only.
"""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from mailbot.clock import FixedClock
from mailbot.sandbox.events import parse_moment, parse_when
from mailbot.sandbox.faults import Faults
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.records import FOLDERS, ItemNotFound, OofConfig, SandboxError, UnknownMailbox

_ROUTES = Map([
    Rule("/admin/mailboxes", methods=["GET"], endpoint="mailboxes"),
    Rule("/admin/mailboxes/<email>/<folder>", methods=["GET"], endpoint="folder"),
    Rule("/admin/messages", methods=["POST"], endpoint="inject"),
    Rule("/admin/messages/<email>/<path:item_id>", methods=["DELETE"], endpoint="delete_message"),
    Rule("/admin/events", methods=["POST"], endpoint="add_event"),
    Rule("/admin/events/<path:item_id>", methods=["PATCH"], endpoint="update_event"),
    Rule("/admin/events/<path:item_id>", methods=["DELETE"], endpoint="remove_event"),
    Rule("/admin/oof/<email>", methods=["GET"], endpoint="get_oof"),
    Rule("/admin/oof/<email>", methods=["POST"], endpoint="set_oof"),
    Rule("/admin/categories", methods=["POST"], endpoint="categories"),
    Rule("/admin/clock", methods=["GET"], endpoint="get_clock"),
    Rule("/admin/clock", methods=["POST"], endpoint="set_clock"),
    Rule("/admin/faults", methods=["GET"], endpoint="get_faults"),
    Rule("/admin/faults", methods=["POST"], endpoint="arm_fault"),
    Rule("/admin/faults", methods=["DELETE"], endpoint="clear_faults"),
    Rule("/admin/outbox", methods=["GET"], endpoint="outbox"),
])  # fmt: skip


class AdminApp:
    def __init__(self, org: Organisation, faults: Faults) -> None:
        self.org, self.faults = org, faults

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self.handle(request)(environ, start_response)

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        if not ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback:
            return _json({"error": "The admin API answers localhost only."}, 403)
        try:
            endpoint, args = _ROUTES.bind_to_environ(request.environ).match()
            payload = json.loads(body) if body.strip() else {}
            if not isinstance(payload, dict):
                raise ValueError("The request body must be a JSON object.")
            return _json(getattr(self, f"_{endpoint}")(payload, **args))
        except (UnknownMailbox, ItemNotFound, NotFound) as exc:
            return _json({"error": str(exc)}, 404)
        except HTTPException as exc:
            return _json({"error": exc.description}, exc.code or 400)
        except (SandboxError, ValueError, KeyError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)

    def _mailboxes(self, _: dict[str, Any]) -> Any:
        return [dataclasses.asdict(m) for m in self.org.mailboxes()]

    def _folder(self, _: dict[str, Any], email: str, folder: str) -> Any:
        if folder not in FOLDERS:
            raise ValueError(f"Unknown folder {folder!r}; choose one of: {', '.join(FOLDERS)}.")
        if folder == "calendar":
            return self.org.events(email)
        return self.org.messages(email, folder)

    def _inject(self, data: dict[str, Any]) -> Any:
        to = _list(data["to"])
        zone = self.org.mailbox(to[0]).timezone if to else "UTC"
        delivered = self.org.deliver_external(
            to, data["from"], data.get("subject", ""), data.get("body", ""), body_html=data.get("html"),
            received_at=parse_moment(data["received"], zone) if data.get("received") else None,
            headers=data.get("headers", {}), message_class=data.get("message_class"), item_type=data.get("item_type"),
            in_reply_to=data.get("in_reply_to"), references=_list(data.get("references", [])),
            categories=_list(data.get("categories", [])), cc=_list(data.get("cc", [])),
            message_id=data.get("message_id"),  # "" for mail without one; absent for a fresh one
        )  # fmt: skip
        return {"created": [{"mailbox": m.mailbox, "item_id": m.item_id, "message_id": m.message_id}
                            for m in delivered]}  # fmt: skip

    def _delete_message(self, _: dict[str, Any], email: str, item_id: str) -> Any:
        self.org.delete_item(email, item_id)
        return {"deleted": item_id}

    def _add_event(self, data: dict[str, Any]) -> Any:
        mailbox = self.org.mailbox(data.pop("mailbox"))
        zone = data.get("timezone") or mailbox.timezone
        start, end = parse_when(data.pop("start"), zone), parse_when(data.pop("end"), zone)
        if "exdates" in data:
            data["exdates"] = [parse_when(x, zone) for x in data["exdates"]]
        return self.org.add_event(mailbox.email, data.pop("subject", ""), start, end, **data)

    def _update_event(self, data: dict[str, Any], item_id: str) -> Any:
        owner = data.pop("mailbox", None) or self.org.owner_of(item_id)
        if owner is None:
            raise ItemNotFound(item_id)
        zone = data.get("timezone") or self.org.mailbox(owner).timezone
        for key in ("start", "end"):
            if key in data:
                data[key] = parse_when(data[key], zone)
        return self.org.update_event(owner, item_id, **data)

    def _remove_event(self, data: dict[str, Any], item_id: str) -> Any:
        owner = data.get("mailbox") or self.org.owner_of(item_id)
        if owner is None:
            raise ItemNotFound(item_id)
        self.org.remove_event(owner, item_id)
        return {"deleted": item_id}

    def _get_oof(self, _: dict[str, Any], email: str) -> Any:
        return self.org.get_oof(email)

    def _set_oof(self, data: dict[str, Any], email: str) -> Any:
        zone = self.org.mailbox(email).timezone
        config = OofConfig(
            state=data.get("state", "disabled"), external_audience=data.get("audience", "all"),
            start=parse_moment(data["start"], zone) if data.get("start") else None,
            end=parse_moment(data["end"], zone) if data.get("end") else None,
            internal_reply=data.get("internal", ""), external_reply=data.get("external", ""),
        )  # fmt: skip
        return self.org.set_oof(email, config)

    def _categories(self, data: dict[str, Any]) -> Any:
        return self.org.set_categories(data["mailbox"], data["item_id"], _list(data.get("categories", [])))

    def _get_clock(self, _: dict[str, Any]) -> Any:
        return {"now": self.org.clock.now()}

    def _set_clock(self, data: dict[str, Any]) -> Any:
        clock = self.org.clock
        if not isinstance(clock, FixedClock):
            raise ValueError("The sandbox runs on a system clock, which cannot be moved.")
        if "now" in data:
            clock.set(parse_moment(data["now"], "UTC"))
        if "advance_minutes" in data:
            clock.advance(minutes=float(data["advance_minutes"]))
        return {"now": clock.now()}

    def _get_faults(self, _: dict[str, Any]) -> Any:
        return {"armed": self.faults.armed(), "fired": self.faults.fired}

    def _arm_fault(self, data: dict[str, Any]) -> Any:
        self.faults.arm(data.pop("kind", ""), **data)
        return {"armed": self.faults.armed()}

    def _clear_faults(self, _: dict[str, Any]) -> Any:
        self.faults.clear()
        return {"armed": []}

    def _outbox(self, _: dict[str, Any]) -> Any:
        return [{"recipients": e.recipients, "message": e.message} for e in self.org.outbox()]


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _json(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value, default=_encode, indent=1), status, content_type="application/json")


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):  # an attachment's content
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
