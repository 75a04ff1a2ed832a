"""JSON Schemas of the three configuration files, for editors (yaml-language-server) and review."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from mailbot.config.organisation import Policy, Roster
from mailbot.config.service import ServiceConfig

SCHEMAS: dict[str, type[BaseModel]] = {
    "service.schema.json": ServiceConfig,
    "people.schema.json": Roster,
    "policy.schema.json": Policy,
}


def schema_text(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def export_schemas(folder: Path) -> list[Path]:
    """Write one schema file per configuration file into `folder`; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
