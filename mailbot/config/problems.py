"""Turn YAML and validation failures into `file:line: key: message` lines, all of them at once."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]


def read_yaml(path: Path, problems: list[str]) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file, keeping its node tree for line numbers; problems are appended, not raised."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror}).")
        return None, None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        return yaml.safe_load(text), root
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problems.append(f"{where}: is not valid YAML ({getattr(exc, 'problem', None) or exc}).")
        return None, None
    except ValueError as exc:  # YAML reads 2026-02-30 as a date, and the calendar refuses it
        line = _bad_date_line(root)
        problems.append(f"{path}{f':{line}' if line else ''}: is not a valid date ({exc}).")
        return None, None


def _bad_date_line(node: yaml.Node | None) -> int | None:
    """The line of the first date-like scalar the calendar refuses."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(node)
            except ValueError:
                return node.start_mark.line + 1
        return None
    children = node.value if isinstance(node, yaml.SequenceNode) else []
    if isinstance(node, yaml.MappingNode):
        children = [v for pair in node.value for v in pair]
    return next((line for child in children if (line := _bad_date_line(child)) is not None), None)


def key_path(loc: Loc) -> str:
    """('people', 2, 'backup') -> people[2].backup"""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def located(path: Path, root: yaml.Node | None, loc: Loc, message: str) -> str:
    """`file:line: key: message`, the line where `loc` is (or the nearest enclosing key that is there)."""
    line = line_of(root, loc)
    return f"{path}:{line}: {key_path(loc)}: {message}" if line else f"{path}: {key_path(loc)}: {message}"


def line_of(node: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest node that `loc` reaches in the YAML tree."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
            if node is None:  # an unknown key: point at the key itself, found by value
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _unknown_key_hint(model: type[BaseModel], loc: Loc) -> str:
    """Suggest the nearest valid key, looked up in the model's JSON Schema at the parent location."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    node: dict[str, Any] = schema
    for part in loc[:-1]:
        node = _resolve(node, defs)
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            props = node.get("properties", {})
            node = props.get(part) or node.get("additionalProperties") or {}
    valid = sorted(_resolve(node, defs).get("properties", {}))
    if not valid:
        return "unknown key"
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint} (valid: {', '.join(valid)})"


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(defs[node["$ref"].split("/")[-1]], defs)
    for union in ("anyOf", "oneOf", "allOf"):
        for option in node.get(union, []):
            option = _resolve(option, defs)
            if "properties" in option:
                return option
    return node


def validation_problems(
    path: Path, model: type[BaseModel], error: ValidationError, root: yaml.Node | None
) -> list[str]:
    """One line per pydantic error, with file, line and key; union noise is collapsed."""
    lines: list[str] = []
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = _unknown_key_hint(model, loc)
        elif err["type"] == "missing":
            message = "is required"
        entry = located(path, root, loc, message.removeprefix("Value error, "))
        if entry not in lines:
            lines.append(entry)
    return lines


def _is_union_tag(part: str | int) -> bool:
    # pydantic names union branches in loc ("str", "list[str]", "function-after[...]"): not the user's keys.
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})
