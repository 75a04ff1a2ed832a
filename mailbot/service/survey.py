"""The member survey's endpoint, served by `mailbot run` behind the organisation's reverse proxy.

GET <public_url>/<token>/<score> records the score (one click from the member's e-mail) and shows a small page with
an optional comment form; POST <public_url>/<token>/comment adds the comment. Only the last two path segments
count, so it works whether the proxy passes the path prefix on or strips it. A token is refused when its signature
is not ours (400), its survey is unknown (404), closed (410) or answered with another score (409); a refused
request records nothing. HEAD records nothing either (mail scanners probe links). Pages escape every value, send
no referrer (the token is in the address) and are never cached.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import structlog
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from mailbot.clock import Clock
from mailbot.errors import ConfigError
from mailbot.policy.satisfaction import SCORE_WORDS, SCORES, SurveyKeys
from mailbot.store import StateStore, SurveyRecord

MAX_BODY = 64 * 1024  # a comment form is small; anything bigger is refused before it is read
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}


@dataclass(frozen=True)
class Page:
    status: int
    title: str
    text: str
    form: str = ""  # the comment form's HTML, already escaped


class SurveyApp:
    """The WSGI application: judges each link against the store at the clock's `now`."""

    def __init__(self, keys: SurveyKeys, store: StateStore, clock: Clock, organisation: str, comment_max: int) -> None:
        self.keys, self.store, self.clock = keys, store, clock
        self.organisation, self.comment_max = organisation, comment_max
        self.log: Any = structlog.get_logger("mailbot.survey")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BODY
        try:
            page = self.handle(request)
        except RequestEntityTooLarge:
            page = Page(413, "Too much to send", "That is more than a comment; please send a shorter one.")
        body = "" if request.method == "HEAD" else self._html(page)
        response = Response(body, page.status, content_type="text/html; charset=utf-8", headers=_HEADERS)
        return response(environ, start_response)

    def handle(self, request: Request) -> Page:
        parts = [part for part in request.path.split("/") if part]
        if len(parts) < 2:
            return _NOT_FOUND
        token, action = parts[-2], parts[-1]
        survey_id = self.keys.survey_id(token)
        if survey_id is None:
            return Page(400, "This link is not valid", "This survey link was not made by us, or it was changed on "
                        "the way. Please use the link from our e-mail exactly as it is.")  # fmt: skip
        survey = self.store.get_survey(survey_id)
        if survey is None:
            return Page(404, "Survey not found", "We no longer know this survey. Thank you all the same.")
        if action == "comment" and request.method == "POST":
            return self._comment(survey, request)
        if request.method not in ("GET", "HEAD") or action not in {str(s) for s in SCORES}:
            return _NOT_FOUND
        return self._score(survey, int(action), record=request.method == "GET")

    def _score(self, survey: SurveyRecord, score: int, *, record: bool) -> Page:
        now = self.clock.now()
        if survey.score is None:
            if now >= survey.expires_at:
                return _CLOSED
            if not record:
                return Page(200, "How did we do?", f"Follow the link to give {score} of 5.")
            if self.store.answer_survey(survey.id, score, now):
                survey = replace(survey, score=score)
                self.log.info("survey answered", survey=survey.id, score=score)
            else:  # another click won the race: judge by its score
                survey = self.store.get_survey(survey.id) or survey
        if survey.score != score:
            given = survey.score or 0
            return Page(409, "Already answered", f"This survey was already answered with {given} of 5 "
                        f"({SCORE_WORDS.get(given, '')}); only the first answer counts. Thank you!")  # fmt: skip
        form = self._form(score) if survey.commented_at is None and now < survey.expires_at else ""
        return Page(200, "Thank you", f"You gave us {score} of 5 ({SCORE_WORDS[score]}).", form)

    def _comment(self, survey: SurveyRecord, request: Request) -> Page:
        now = self.clock.now()
        comment = request.form.get("comment", "").strip()
        if survey.score is None:
            return Page(409, "Please choose a score first", "Use one of the five links in our e-mail first.")
        if now >= survey.expires_at:
            return _CLOSED
        if survey.commented_at is not None:
            return Page(409, "Comment already sent", "We already have your comment for this survey. Thank you!")
        if not comment:
            return Page(400, "Nothing to send", "The comment was empty.", self._form(survey.score))
        if len(comment) > self.comment_max:
            return Page(400, "Comment too long", f"Please keep the comment to {self.comment_max} characters; it "
                        f"has {len(comment)}.", self._form(survey.score, comment))  # fmt: skip
        if not self.store.comment_survey(survey.id, comment, now):
            return Page(409, "Comment already sent", "We already have your comment for this survey. Thank you!")
        self.log.info("survey comment", survey=survey.id, characters=len(comment))
        return Page(200, "Thank you", "Your comment is recorded. Thank you for taking the time.")

    def _form(self, score: int, text: str = "") -> str:
        if self.comment_max <= 0:
            return ""
        return (
            f'<form method="post" action="comment"><p><label for="comment">Anything you would like to add? '
            f"(optional, up to {self.comment_max} characters)</label></p>"
            f'<p><textarea id="comment" name="comment" rows="5" cols="60" maxlength="{self.comment_max}">'
            f'{html.escape(text)}</textarea></p><p><button type="submit">Send comment</button></p></form>'
            f'<p class="note">Your score of {score} is already recorded; the comment is up to you.</p>'
        )

    def _html(self, page: Page) -> str:
        title, organisation = html.escape(page.title), html.escape(self.organisation)
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">'
            f"<title>{title} - {organisation}</title><style>{_CSS}</style></head><body><main>"
            f"<h1>{title}</h1><p>{html.escape(page.text)}</p>{page.form}"
            f'<p class="note">{organisation}</p></main></body></html>\n'
        )


_NOT_FOUND = Page(404, "Page not found", "This address is not a survey link.")
_CLOSED = Page(410, "This survey has closed", "The links in this survey no longer work. Thank you all the same.")
_CSS = (
    "body{font-family:Arial,Helvetica,sans-serif;font-size:1.1rem;color:#111;background:#fff;margin:0}"
    "main{max-width:36rem;margin:2rem auto;padding:0 1rem}textarea{width:100%;font:inherit}"
    "button{font:inherit;padding:.4rem 1rem}.note{color:#444;font-size:.95rem}"
)


class _Quiet(WSGIRequestHandler):
    """No request lines in the log: they carry the survey token."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        structlog.get_logger("mailbot.survey").debug("survey http server", level=type)


class SurveyServer:
    """The survey app on its own thread; port 0 picks a free port (see `url`)."""

    def __init__(self, app: SurveyApp, host: str, port: int) -> None:
        try:
            self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_Quiet)
        except OSError as exc:
            raise ConfigError(
                f"Cannot serve the member survey on {host}:{port}: {exc.strerror or exc}; change `survey` in "
                "service.yaml."
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="mailbot-survey", daemon=True)  # fmt: skip

    @property
    def url(self) -> str:
        host = self._server.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self._server.port}"

    def start(self) -> SurveyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
