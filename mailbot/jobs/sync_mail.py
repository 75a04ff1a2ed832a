"""Track member mail: sync inboxes and sent items incrementally, start clocks, close them on answers.

Order within a run: sent items first (replies kept in memory), then inboxes (new items tracked, each page
saved with its sync state in one transaction), then replies matched against everything open, saved with
the sent-items states. A reply is therefore never read before the message it answers could be tracked,
and a crash at any point leaves states that make the next run see the same changes again. A mailbox whose
inbox could not be read keeps its sent-items state too, so its replies are read again with its inbox.

Mail received before the go-live horizon (jobs/horizon.py) is never tracked; a mailbox's first read counts
the older unanswered member mail it leaves out, saved with its first page, so a rerun never counts it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from mailbot.domain import MailItem, Tracked, TrackingStart
from mailbot.errors import MailboxError, SyncStateInvalid
from mailbot.exchange.base import Folder
from mailbot.jobs.complaints import escalate_complaints, note_complaints
from mailbot.jobs.deps import Deps, JobResult, note_mailbox_failure
from mailbot.jobs.horizon import count_left_out, left_out_line, mailbox_horizon, record_start, settle_start
from mailbot.jobs.identity import identify
from mailbot.jobs.open_items import calendar_of, person_by_email
from mailbot.jobs.satisfaction import send_surveys
from mailbot.jobs.touchpoints import follow_marks, record_touches, stop_removed
from mailbot.policy.classify import SlaRules, automated_exclusion, classify, has_category
from mailbot.policy.horizon import before
from mailbot.policy.sla import deadline_for, first_answer

JOB = "sync_mail"
FIRST_SYNC = "first sync"  # how progress reports name the phases of the first sync ("first sync (inboxes)")
_PAGE = 100
_Page = tuple[list[MailItem], tuple[str, ...], str]  # items, deleted item ids, the state after them


@dataclass
class _Run:
    deps: Deps
    rules: SlaRules
    now: datetime
    result: JobResult
    start: TrackingStart
    replies: list[MailItem] = field(default_factory=list)
    sent_states: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)  # mailboxes read for the first time -> mail left out
    sent_skipped: list[MailItem] = field(default_factory=list)  # not mail, audited with the sent-items states
    failed: set[str] = field(default_factory=set)  # mailboxes that could not be handled in this run
    unrecorded: bool = False  # a first sync whose start is recorded by the first inbox it reads


def sync_mail(deps: Deps, now: datetime) -> JobResult:
    """One tracking pass over every watched mailbox; a failing mailbox is reported and skipped."""
    result, mailboxes = JobResult(JOB), watched_mailboxes(deps)
    first = deps.store.tracking_start() is None
    label = FIRST_SYNC if first else "mail sync"
    start = settle_start(deps, mailboxes, now, result)
    run = _Run(deps, SlaRules.from_settings(deps.settings), now, result, start, unrecorded=first)
    _each(run, mailboxes, f"{label} (sent items)", lambda m: _collect_sent(run, m))
    _each(run, [m for m in mailboxes if m not in run.failed], f"{label} (inboxes)", lambda m: _track_inbox(run, m))
    _close_answered(run)
    run.result.changes += record_touches(deps, run.replies, now)
    escalate_complaints(deps, now, run.result)  # in the same run that found them
    send_surveys(deps, now, run.result)  # members whose request was answered: how did we do? (once, if policy asks)
    if run.left_out:
        line = left_out_line(deps, run.start, run.left_out)
        run.result.changes.append(line)
        deps.log.info(line, left_out=sum(run.left_out.values()), mailboxes_read=len(run.left_out))
    run.result.details["open"] = len(deps.store.open_tracked())
    run.result.details["left_out"] = dict(run.left_out)
    return run.result


def watched_mailboxes(deps: Deps) -> list[str]:
    """Every staff member's mailbox (departed too: their members still wait) and every shared mailbox."""
    people = [p.email for p in deps.settings.people()]
    shared = [str(box.email).lower() for box in deps.settings.roster.shared_mailboxes]
    return [*people, *shared]


def _each(run: _Run, mailboxes: list[str], task: str, step: Callable[[str], None]) -> None:
    """`step` for each mailbox in turn, telling deps.progress how far it got."""
    run.deps.progress(task, 0, len(mailboxes))
    for done, mailbox in enumerate(mailboxes, 1):
        _guard(run, mailbox, step)
        run.deps.progress(task, done, len(mailboxes))


def _guard(run: _Run, mailbox: str, step: Callable[[str], None]) -> None:
    try:
        step(mailbox)
    except MailboxError as exc:
        run.failed.add(mailbox)
        if str(exc) not in run.result.problems:
            run.result.problems.append(str(exc))
            note_mailbox_failure(run.deps, JOB, mailbox, str(exc), run.now)


def _pages(run: _Run, mailbox: str, folder: Folder) -> tuple[list[_Page], bool]:
    """All pages of changes since the saved state, and whether they start from the beginning of the folder.

    An expired state starts over (tracking is idempotent).
    """
    state = run.deps.store.get_sync_state(mailbox, folder)
    pages: list[_Page] = []
    full = state is None
    while True:
        try:
            batch = run.deps.backend.sync_folder(mailbox, folder, state, max_changes=_PAGE)
        except SyncStateInvalid:
            if state is None:
                raise
            run.deps.log.warning("sync state expired; syncing the folder again", mailbox=mailbox, folder=folder)
            state, pages, full = None, [], True
            continue
        pages.append((list(batch.items), batch.deleted, batch.state))
        state = batch.state
        if not batch.more:
            items = sum(len(page[0]) for page in pages)
            log = run.deps.log.info if full or items else run.deps.log.debug
            log("folder synced", mailbox=mailbox, folder=folder, pages=len(pages), items=items, from_start=full)
            return pages, full


def _collect_sent(run: _Run, mailbox: str) -> None:
    pages, _ = _pages(run, mailbox, "sent")
    for items, _deleted, state in pages:
        run.replies.extend(i for i in items if i.kind.is_mail)
        run.sent_skipped.extend(i for i in items if not i.kind.is_mail)
        run.sent_states[mailbox] = state


def _track_inbox(run: _Run, mailbox: str) -> None:
    store = run.deps.store
    pages, full = _pages(run, mailbox, "inbox")
    keyed = identify(store, mailbox, [items for items, _, _ in pages])
    pages = [(items, deleted, state) for items, (_, deleted, state) in zip(keyed, pages, strict=True)]
    if run.unrecorded:
        run.start, run.unrecorded = record_start(run.deps, run.start, run.now), False
    horizon_at = mailbox_horizon(run.deps, run.start, mailbox)
    older = [i for items, _, _ in pages for i in items if i.kind.is_mail and before(i.received_at, horizon_at)]
    left_out = count_left_out(run.deps, mailbox, older, horizon_at, run.replies, run.now) if full else None
    if run.deps.dry_run and left_out is not None:
        run.left_out[mailbox] = left_out
    for number, (page, deleted, state) in enumerate(pages):
        items = [i for i in page if i.kind.is_mail]
        recent = [item for item in items if not before(item.received_at, horizon_at)]
        new = [t for t in (_tracked(run, item) for item in recent) if t is not None]
        if run.deps.dry_run:
            run.result.changes += [f"would track {t.subject!r} from {t.sender} in {mailbox}" for t in new]
            run.result.changes += _follow_up(run, mailbox, items, new, deleted) + _leave_automated(run, recent)
            continue
        with store.transaction():
            # With the first page, so a rerun that resumes from a later page does not count again.
            if number == 0 and left_out is not None and store.note_left_out(mailbox, horizon_at, left_out, run.now):
                run.left_out[mailbox] = left_out
            store.save_sync_batch(mailbox, "inbox", new, state, run.now)
            _skip(run, [i for i in page if not i.kind.is_mail])
            run.result.changes += _leave_automated(run, recent)
            _resolve_by_category(run, items)
            _resolve_removed(run, mailbox, deleted)
            run.result.changes += _follow_up(run, mailbox, items, new, deleted)
        run.result.changes += [f"tracking {t.subject!r} from {t.sender} in {mailbox}" for t in new]


def _skip(run: _Run, items: list[MailItem]) -> None:
    """Items that are not mail (a generic item, a note or contact moved in) are left alone, once in the audit: the
    sync goes on past them, so no item can stall a mailbox."""
    for item in items:
        what = f"{item.kind.value} item {item.message_class!r}"
        if run.deps.store.claim(f"skipped:{item.mailbox}:{item.item_id}", run.now, what):
            run.deps.log.info("item skipped", mailbox=item.mailbox, folder=item.folder, item=what)
            run.deps.store.audit(run.now, "mailbot", "item_skipped", item.item_id, None, item.subject,
                                 f"{what} in the {item.folder} of {item.mailbox} is not mail; left alone")  # fmt: skip


def _leave_automated(run: _Run, items: list[MailItem]) -> list[str]:
    """Mail a machine sent (an auto-reply, a delivery report) is left untracked, said once and audited, so nobody is
    nudged about it and nobody need wonder where it went."""
    lines = []
    for item in items:
        why = automated_exclusion(item, run.rules)
        line = f"left {item.subject!r} from {item.sender} in {item.mailbox} untracked: {why}"
        if why is None:
            continue
        if run.deps.dry_run:
            lines.append(f"would have {line}")
        elif run.deps.store.claim(f"automated:{item.mailbox}:{item.item_id}", run.now, why):
            run.deps.log.info("automated mail left untracked", mailbox=item.mailbox, subject=item.subject, why=why)
            run.deps.store.audit(run.now, "mailbot", "automated_skipped", item.item_id, None, item.subject,
                                 f"{why}, in the inbox of {item.mailbox}: not member mail; left untracked")  # fmt: skip
            lines.append(line)
    return lines


def _follow_up(
    run: _Run, mailbox: str, items: list[MailItem], new: list[Tracked], deleted: tuple[str, ...]
) -> list[str]:
    """Complaints to escalate and requests marked in progress, noted with the page that showed them."""
    deps, now = run.deps, run.now
    return [*note_complaints(deps, items, new, now), *follow_marks(deps, items, new, now),
            *stop_removed(deps, mailbox, deleted, now)]  # fmt: skip


def _tracked(run: _Run, item: MailItem) -> Tracked | None:
    verdict = classify(item, run.rules)
    if not verdict.counts:
        return None
    settings = run.deps.settings
    owner = _owner_id(run, item.mailbox)
    calendar = calendar_of(settings, item.mailbox)
    deadline = deadline_for(verdict.kind, item.received_at, calendar, run.rules)
    return Tracked(
        mailbox=item.mailbox, message_id=item.message_id, conversation_id=item.conversation_id, owner_id=owner,
        sender=item.sender, subject=item.subject, kind=verdict.kind, received_at=item.received_at,
        due_at=deadline.due_at, categories=item.categories, item_id=item.item_id, sender_name=item.sender_name,
        web_link=item.web_link,
    )  # fmt: skip


def _owner_id(run: _Run, mailbox: str) -> str:
    """The person whose mailbox it is; a shared mailbox's items belong to the mailbox (its owners share it)."""
    person = person_by_email(run.deps.settings, mailbox)
    return person.id if person else mailbox.lower()


def _resolve_by_category(run: _Run, items: list[MailItem]) -> None:
    """An owner who answered by phone marks the message Done; "No reply needed" later also closes it."""
    categories = run.deps.settings.policy.categories
    for item in items:
        for name, resolution in ((categories.done, "done"), (categories.no_reply_needed, "no_reply_needed")):
            if has_category(item.categories, name) and run.deps.store.mark_answered(
                item.mailbox, item.message_id, run.now, resolution
            ):
                run.result.changes.append(f"closed {item.subject!r} in {item.mailbox}: marked {name}")


def _resolve_removed(run: _Run, mailbox: str, deleted: tuple[str, ...]) -> None:
    """Mail deleted from the inbox is no longer waited on; the audit keeps who and when."""
    if not deleted:
        return
    gone = set(deleted)
    for t in run.deps.store.open_tracked():
        if (
            t.mailbox == mailbox
            and t.item_id in gone
            and run.deps.store.mark_answered(t.mailbox, t.message_id, run.now, "removed")
        ):
            run.deps.store.audit(run.now, "mailbot", "tracking_stopped", t.message_id, t.subject, None,
                                 f"removed from the inbox of {mailbox}")  # fmt: skip


def _close_answered(run: _Run) -> None:
    """Match this run's staff replies against every open item, then save the sent-items states with them."""
    store = run.deps.store
    answered = []
    for t in store.open_tracked() if run.replies else []:
        # Only replies close items here; categories were handled while syncing the inbox.
        found = first_answer(replace(t, categories=()), run.replies, run.rules, run.now)
        if found is not None:
            answered.append((t, *found))
    if run.deps.dry_run:
        run.result.changes += [f"would close {t.subject!r} in {t.mailbox}: answered" for t, _, _ in answered]
        return
    with store.transaction():
        for t, at, by in answered:
            if store.mark_answered(t.mailbox, t.message_id, at, "reply", by):
                run.result.changes.append(f"closed {t.subject!r} in {t.mailbox}: answered")
        _skip(run, run.sent_skipped)
        for mailbox, state in run.sent_states.items():
            # Its inbox failed: its mail is tracked next run, and the replies read now must be read with it.
            if mailbox not in run.failed:
                store.put_sync_state(mailbox, "sent", state, run.now)
