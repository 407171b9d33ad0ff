"""Render a Jinja2 command template into an argv list, safely.

Every ``{{ expression }}`` is shell-quoted as it is rendered, and the result is split
with ``shlex``: a value with spaces, quotes or ``;`` stays one argv item and is never
interpreted. Undefined variables are errors (StrictUndefined), not empty strings.
Line continuations (``\\`` at the end of a line) are removed from the template source
before rendering, so they can never join or split a value.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import jinja2

_CONTINUATION = re.compile(r"\\\r?\n")


def _quote(value: Any) -> str:
    if value is None:
        return ""
    return shlex.quote(str(value))


def render_command(template: Path, context: dict[str, Any]) -> list[str]:
    source = _CONTINUATION.sub(" ", template.read_text())
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        finalize=_quote,
        autoescape=False,  # noqa: S701 - shell commands, not HTML: finalize quotes every value
        keep_trailing_newline=False,
    )
    try:
        rendered = environment.from_string(source).render(**context)
        return shlex.split(rendered, comments=False, posix=True)
    except jinja2.TemplateError as exc:
        where = f" line {exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise CommandTemplateError(f"{template.name}{where}: {exc}") from exc
    except ValueError as exc:  # shlex: an unbalanced quote written in the template itself
        raise CommandTemplateError(f"{template.name}: the rendered command does not split into words: {exc}") from exc


class CommandTemplateError(Exception):
    """A command template that cannot be rendered: a plugin's mistake, named in the message."""
