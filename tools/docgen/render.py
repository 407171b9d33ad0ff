"""Markdown for reference pages: tables of fields, lists of methods."""

from __future__ import annotations

from collections.abc import Iterable

from source_docs import Field, Method


def cell(text: str) -> str:
    """Text that stays inside one table cell."""
    return " ".join(text.split()).replace("|", "\\|") if "`" not in text else " ".join(text.split())


def code(text: str) -> str:
    return f"`{text}`" if text else ""


def field_table(fields: Iterable[Field], *, key_column: str = "key", show_default: bool = True) -> str:
    fields = list(fields)
    if not fields:
        return "_No fields._\n"
    header = f"| {key_column} | type | " + ("default | " if show_default else "") + "meaning |\n"
    header += "|---|---|" + ("---|" if show_default else "") + "---|\n"
    rows = []
    for field in fields:
        default = (field.default or "required") if show_default else None
        columns = [code(field.name), code(field.annotation)]
        if default is not None:
            columns.append(default)
        columns.append(cell(field.meaning) or "")
        rows.append("| " + " | ".join(cell(column) for column in columns) + " |")
    return header + "\n".join(rows) + "\n"


def method_entry(method: Method, owner_label: str = "") -> str:
    marker = " *(required)*" if method.abstract else ""
    where = f" *(from `{owner_label}`)*" if owner_label else ""
    title = f"`{method.name}{method.signature}`" if method.signature else f"`{method.name}` (property)"
    doc = method.doc or "_No description in the source._"
    body = "\n".join(f"    {line}" if line else "" for line in doc.splitlines())
    return f"- {title}{marker}{where}\n\n{body}\n"
