"""The EWS schema shipped with the sandbox, and strict mode: what Exchange refuses, the sandbox refuses."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from lxml import etree
from sandbox_fixtures import ENVELOPE, EXAMPLE_SCENARIO, EXAMPLE_WEEK

from mailbot.sandbox import SandboxServer, load_scenario
from mailbot.sandbox.ews_schema import SCHEMA_DIR, violations
from mailbot.sandbox.ews_xml import el, sub

ROOT = Path(__file__).resolve().parents[2]
AUTH = ("mailbot@example.org", "sandbox-password")
GET_FOLDER = ENVELOPE.format(
    body='<m:GetFolder>{shape}<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'
)
SHAPE = "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"


def test_the_shipped_schema_files_are_unchanged() -> None:
    """Each shipped schema file still has the SHA-256 its provenance note records."""
    note = (SCHEMA_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    recorded = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", note, re.M))
    actual = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in SCHEMA_DIR.glob("*.xsd")}
    actual |= {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in SCHEMA_DIR.glob("*.wsdl")}
    assert recorded == actual


def test_the_schema_lives_in_the_package() -> None:
    """The schema is read from inside the mailbot package, so a fresh clone or an installed wheel has it."""
    assert (ROOT / "mailbot" / "sandbox" / "ews_xsd") == SCHEMA_DIR


def test_a_valid_element_has_no_violations() -> None:
    """A GetFolder with its shape and ids is valid."""
    request = etree.fromstring(GET_FOLDER.format(shape=SHAPE).encode()).find(".//{*}GetFolder")
    assert [] == violations(request)


def test_a_missing_required_element_is_a_violation() -> None:
    """A GetFolder without its FolderShape breaks the schema, and the reason names what was expected."""
    request = etree.fromstring(GET_FOLDER.format(shape="").encode()).find(".//{*}GetFolder")
    [problem] = violations(request)
    assert problem.startswith("GetFolder: ") and "FolderShape" in problem


def test_elements_outside_ews_are_not_judged() -> None:
    """A SOAP element is the envelope's business: no violations are reported for it."""
    assert [] == violations(etree.Element("{http://schemas.xmlsoap.org/soap/envelope/}Fault"))


@pytest.fixture
def lenient() -> Iterator[SandboxServer]:
    """The example organisation with strict mode off (the default outside tests)."""
    with SandboxServer(load_scenario(EXAMPLE_SCENARIO, week=EXAMPLE_WEEK)) as server:
        yield server


def test_the_strict_sandbox_refuses_a_request_that_breaks_the_schema(sandbox: SandboxServer) -> None:
    """A request that breaks the schema gets ErrorSchemaValidation from the strict sandbox, as from Exchange."""
    answer = requests.post(sandbox.ews_url, data=GET_FOLDER.format(shape="").encode(), auth=AUTH, timeout=10)
    assert (500, True) == (answer.status_code, b">ErrorSchemaValidation<" in answer.content)
    assert 1 == len(sandbox.schema_violations)
    sandbox.ews.schema_violations.clear()  # provoked on purpose; the fixture fails a test on any other


def test_the_default_sandbox_does_not_check_the_schema(lenient: SandboxServer) -> None:
    """Strict mode is off by default: the same broken request is answered without a schema check."""
    answer = requests.post(lenient.ews_url, data=GET_FOLDER.format(shape="").encode(), auth=AUTH, timeout=10)
    assert (False, []) == (b">ErrorSchemaValidation<" in answer.content, lenient.schema_violations)


def test_a_sandbox_answer_that_breaks_the_schema_becomes_a_server_error(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the sandbox itself answers outside the schema, the client gets ErrorInternalServerError, and it is kept."""
    from mailbot.sandbox import ews_app

    def broken(call: object) -> object:
        answer = el("m:GetFolderResponse")
        sub(answer, "m:NotInTheSchema", "oops")
        return answer

    monkeypatch.setitem(ews_app.OPERATIONS, "GetFolder", broken)
    answer = requests.post(sandbox.ews_url, data=GET_FOLDER.format(shape=SHAPE).encode(), auth=AUTH, timeout=10)
    assert (500, True) == (answer.status_code, b">ErrorInternalServerError<" in answer.content)
    assert ["response GetFolderResponse"] == [v.split(":")[0] for v in sandbox.schema_violations]
    sandbox.ews.schema_violations.clear()


def test_the_schema_is_served_beside_the_endpoint(sandbox: SandboxServer) -> None:
    """Like Exchange, the sandbox serves Services.wsdl, messages.xsd and types.xsd under /EWS/ to signed-in users."""
    served = {name: requests.get(f"{sandbox.url}/EWS/{name}", auth=AUTH, timeout=10) for name in
              ("Services.wsdl", "messages.xsd", "types.xsd")}  # fmt: skip
    expected = {name: (200, (SCHEMA_DIR / name.lower()).read_bytes()) for name in served}
    assert expected == {name: (r.status_code, r.content) for name, r in served.items()}
    assert 401 == requests.get(f"{sandbox.url}/EWS/types.xsd", timeout=10).status_code
