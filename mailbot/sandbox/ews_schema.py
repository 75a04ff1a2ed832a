"""Microsoft's EWS schema (ews_xsd/, shipped unchanged) as a validator for the sandbox's strict mode.

Exchange checks every request against messages.xsd and answers ErrorSchemaValidation when one breaks it; the
sandbox does the same in strict mode, and checks its own answers too, so a client or sandbox bug that a real
server would refuse cannot pass a test. libxml2 (through lxml, already a dependency) loads the schema in a fraction
of a second and validates an element in microseconds.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from lxml import etree

from mailbot.sandbox.ews_xml import Element

SCHEMA_DIR = Path(__file__).with_name("ews_xsd")
EWS_NAMESPACE = "http://schemas.microsoft.com/exchange/services/2006/"
# types.xsd imports the xml: namespace without a location; libxml2 needs one, so it is given while loading.
_XML_IMPORT = b'<xs:import namespace="http://www.w3.org/XML/1998/namespace"/>'
_XML_IMPORT_LOCATED = b'<xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd"/>'
# One validator serves every request thread; its error log is its own state, so one validation runs at a time
# (each takes microseconds).
_VALIDATING = threading.Lock()


class _SchemaFiles(etree.Resolver):  # type: ignore[misc]
    """Resolve the schema's imports to the shipped files only: nothing from the network or elsewhere."""

    def resolve(self, url: str, public_id: str | None, context: Any) -> Any:
        name = Path(url).name
        path = SCHEMA_DIR / name
        if name not in {"messages.xsd", "types.xsd", "xml.xsd"} or not path.is_file():
            raise OSError(f"The EWS schema refers to {url}, which is not shipped in {SCHEMA_DIR}.")
        data = path.read_bytes()
        if name == "types.xsd":
            data = data.replace(_XML_IMPORT, _XML_IMPORT_LOCATED, 1)
        return self.resolve_string(data, context, base_url=str(path))


@functools.cache
def ews_schema() -> Any:
    """messages.xsd with types.xsd, loaded once per process."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_SchemaFiles())
    document = etree.parse(str(SCHEMA_DIR / "messages.xsd"), parser)
    return etree.XMLSchema(document)


def violations(element: Element) -> list[str]:
    """Why `element` (a SOAP Header or Body child) breaks the EWS schema; [] when it is valid or not EWS's."""
    if not str(element.tag).startswith("{" + EWS_NAMESPACE):
        return []  # the SOAP envelope and faults are SOAP's business, not the EWS schema's
    schema = ews_schema()
    with _VALIDATING:
        if schema.validate(element):
            return []
        errors = [(error.message, error.line) for error in schema.error_log]
    name = str(element.tag).rpartition("}")[2]
    return [f"{name}: {message} (line {line})" for message, line in errors]
