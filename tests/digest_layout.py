"""What the digest's layout tests share: a digest full of hostile member text, the Outlook-safe rules as a check of
the HTML, and the digest rendered in headless Chromium at a phone's width (390 CSS px, an iPhone 12 to 15).

Outlook for Windows renders mail with Word's engine: it drops <style> rules and classes, ignores flex, grid,
position, float, max-width on divs and background images, and lays out only tables. So the digest is tables, every
cell styled inline, and nothing wider than the phone.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import html as lxml_html

from mailbot.domain import MessageKind, Tracked, TrackState
from mailbot.policy.digest import DigestModel, OpenItem, Presence, StaffSection, WeekAnswers, build_digest
from mailbot.policy.message_samples import ANNA, LI, MARIA

PHONE = 390
CHROMIUM = Path("/usr/bin/chromium")
NY = ZoneInfo("America/New_York")
LONG = "x" * 300  # one unbroken string, far wider than a phone
SCRIPT = "<script>alert('digest')</script>"
QUOTES = '"onmouseover="alert(1)" \' \u201cquoted\u201d'
RTL = "\u05de\u05e8\u05d9\u05dd \u05db\u05d4\u05df"  # a Hebrew name, right to left
OVERRIDE = "invoice\u202egpj.exe"  # a bidi override that would make it read 'invoiceexe.jpg'
HOSTILE_SUBJECTS = (SCRIPT, QUOTES, RTL, OVERRIDE, LONG, f"{RTL} {LONG}")
HOSTILE_NAMES = (f"{SCRIPT} & Co", QUOTES, RTL, "L" * 120)


def hostile_digest() -> DigestModel:
    """A digest whose every member-written text is hostile: markup, quotes, right-to-left, bidi overrides and
    unbroken strings, in subjects, sender names and addresses."""
    day, due = date(2026, 11, 23), datetime(2026, 11, 23, 11, tzinfo=NY)
    items = []
    for n, subject in enumerate(HOSTILE_SUBJECTS):
        name = HOSTILE_NAMES[n % len(HOSTILE_NAMES)]
        sender = f"{'m' * 80}{n}@{'long-domain-' * 5}example.com" if n % 2 else f'"a{n}"@example.com'
        link = f"https://mail.example.org/owa/?ItemID={'A' * 200}{n}"
        tracked = Tracked(LI.email, f"<{n}@x>", f"<{n}@x>", LI.id, sender, subject, MessageKind.EMAIL,
                          due - timedelta(days=1), due, web_link=link)  # fmt: skip
        items.append(OpenItem(tracked, TrackState.OVERDUE if n % 3 == 0 else TrackState.DUE_SOON,
                              timedelta(hours=n + 1), "", name))  # fmt: skip
    problem = f"mailbot could not {LONG}"
    sections = [
        StaffSection(LI, tuple(items), (), Presence(False, "none", None, None), (problem,), WeekAnswers(7, 5)),
        StaffSection(ANNA, (), (), Presence(True, "missing", None, LI)),
    ]
    return build_digest(MARIA, sections, day, NY, "Riverside", ())


def outlook_problems(html: str) -> list[str]:
    """What breaks the Outlook-safe rules: a <style> block or stylesheet, a class (its rules live in <style>),
    flex or grid, position, float, max-width on a div, a background image, a script, an unstyled cell, a fixed
    width wider than the phone, and a cell holding a long word that it would not break (a phone would widen)."""
    tree = lxml_html.fromstring(f"<html><body>{html}</body></html>")
    found = [f"<style> block: {s.text_content()[:40]}" for s in tree.iter("style")]
    found += [f"<{e.tag}> element" for e in tree.iter("script", "link", "iframe", "object", "embed", "form")]
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        style = (element.get("style") or "").replace(" ", "").lower()
        tag = element.tag
        found += [f"{tag} has a class" for _ in [1] if element.get("class")]
        found += [f"{tag} has {name}" for name in element.attrib if name.lower().startswith("on")]
        if re.search(r"display:(inline-)?(flex|grid)", style):
            found.append(f"{tag} uses flex or grid")
        found += [f"{tag} uses {rule}" for rule in ("position", "float") if re.search(rf"(^|;){rule}:", style)]
        if tag == "div" and re.search(r"(^|;)max-width:", style):
            found.append("div uses max-width")
        if "url(" in style or element.get("background"):
            found.append(f"{tag} has a background image")
        if tag in ("td", "th") and not style:
            found.append(f"{tag} without inline style")
        elif tag in ("td", "th") and _long_word(element.text_content()) and "overflow-wrap:anywhere" not in style:
            found.append(f"{tag} does not break long strings")
        widths = [int(w) for w in re.findall(r"(?:^|;)(?:min-)?width:(\d+)px", style)]
        if element.get("width", "").isdigit():
            widths.append(int(element.get("width", "")))
        found += [f"{tag} is {w}px wide" for w in widths if w > PHONE]
    return found


def _long_word(text: str) -> bool:
    """Text with a word longer than the scoreboard's headings and numbers, which keep their words whole."""
    return any(len(word) > 12 for word in text.split())


_MEASURE = """<script>
const width = document.documentElement.clientWidth, wide = [], seen = {}, lines = {};
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.width && (r.right > width + 0.5 || r.left < -0.5)) wide.push(e.tagName + ' to ' + Math.round(r.right) + 'px');
}
for (const text of NEEDLES) {
  const holders = [...document.body.querySelectorAll('*:not(script)')].filter(e => e.textContent.includes(text)
    && ![...e.children].some(c => c.textContent.includes(text)));
  seen[text] = holders.map(e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= -0.5 && r.right <= width + 0.5; });
}
for (const word of WHOLE) {  // how many lines each element holding just this word takes: 1 unless broken
  const holders = [...document.body.querySelectorAll('*:not(script)')].filter(e => e.textContent.trim() === word);
  lines[word] = holders.map(e => { const range = document.createRange(); range.selectNodeContents(e);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; });
}
document.body.setAttribute('data-measured', JSON.stringify({width, scroll: document.documentElement.scrollWidth,
  wide: wide.slice(0, 5), seen, lines}));
</script>"""
_FRAME = """<!DOCTYPE html><html><body style="margin: 0"><iframe id="phone" src="digest.html"
style="width: {phone}px; height: 30000px; border: 0"></iframe><script>
window.onload = () => document.body.setAttribute('data-measured',
  document.getElementById('phone').contentDocument.body.getAttribute('data-measured'));
</script></body></html>"""


def measure_on_phone(html: str, needles: list[str], whole: list[str]) -> dict[str, object]:
    """Render the digest as a 390 px phone shows it (in a frame that wide, in headless Chromium; the window is
    that wide too) and measure: the page's scroll width, elements reaching past the screen, for each needle
    whether every element holding it is on screen, and for each of the `whole` words the lines each element holding
    just that word takes (1: not broken)."""
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" '
                f'content="width=device-width, initial-scale=1"></head><body style="margin: 0">{html}'
                f"<script>const NEEDLES = {json.dumps(needles)}, WHOLE = {json.dumps(whole)};</script>{_MEASURE}"
                "</body></html>")  # fmt: skip
        (where / "digest.html").write_text(page, encoding="utf-8")
        (where / "phone.html").write_text(_FRAME.format(phone=PHONE), encoding="utf-8")
        done = subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={where / 'profile'}", f"--window-size={PHONE},800", "--hide-scrollbars",
             "--allow-file-access-from-files", "--dump-dom", (where / "phone.html").as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    found = re.search(r'data-measured="([^"]*)"', done.stdout)
    if found is None:
        raise AssertionError(f"Chromium measured nothing (exit {done.returncode}): {done.stderr[-500:]}")
    measured: dict[str, object] = json.loads(html_lib.unescape(found.group(1)))
    return measured


def chromium_missing() -> str | None:
    """Why the phone check cannot run here, or None."""
    if not CHROMIUM.exists():
        return "Chromium is not installed (/usr/bin/chromium; Debian: apt-get install chromium)"
    return None
