"""Frictionless Table Schemas of the open-data dump, derived from the record model.

One definition: the record's JSON Schema (``Record.model_json_schema()``, with its field descriptions)
gives both the ``record.schema.json`` of a dump and the Table Schema of each JSON Lines resource, so the
types a tool reads (``frictionless validate``, a notebook) are the ones the model declares instead of
guesses from a sample (a column that is empty in every row guessed as ``yearmonth``).
"""

from __future__ import annotations

from typing import Any

from archive.model import SCHEMA_VERSION, Record

__all__ = ["JSON_SCHEMA_DIALECT", "RECORD_SCHEMA_ID", "record_json_schema", "record_table_schema"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
RECORD_SCHEMA_ID = f"urn:deptnews:schema:record:{SCHEMA_VERSION}"
"""A name, not an address: the schema travels with each dump and is printed by ``deptnews schema``."""


def record_json_schema() -> dict[str, Any]:
    """The record's JSON Schema with its ``$schema`` dialect and ``$id``."""
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": RECORD_SCHEMA_ID, **Record.model_json_schema()}


def _field_type(prop: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Table Schema type and constraints of one JSON Schema property."""
    options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
    kind = options[0] if len(options) == 1 else {}
    constraints: dict[str, Any] = {}
    if "enum" in kind:
        constraints["enum"] = list(kind["enum"])
    match kind.get("type"):
        case "string" if kind.get("format") == "date-time":
            return "datetime", constraints
        case "string":
            return "string", constraints
        case "integer" | "number" | "boolean" | "array" | "object" as simple:
            return simple, constraints
    return ("object" if "$ref" in kind else "any"), constraints


def record_table_schema() -> dict[str, Any]:
    """The Table Schema of a JSON Lines resource of records (one record object per line)."""
    schema = Record.model_json_schema()
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema["properties"].items():
        kind, constraints = _field_type(prop)
        if name in required:
            constraints["required"] = True
        field: dict[str, Any] = {"name": name, "type": kind, "description": prop.get("description", "")}
        if kind == "datetime":
            field["format"] = "any"  # ISO 8601 with an offset, e.g. 2010-07-05T00:00:00+07:00
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "primaryKey": ["id"]}
