"""What the source code says about a class: its fields, with their comments, and its methods.

Reference pages are made from these, so that they say what the code says. A field's
meaning is its attribute docstring, its ``#:`` or ``#`` comment lines right above it,
or its trailing comment, in that order; a method's is its docstring.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import re
import textwrap
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec


@dataclass(frozen=True)
class Field:
    name: str
    annotation: str
    default: str  # "" when required
    meaning: str
    owner: type


@dataclass(frozen=True)
class Method:
    name: str
    signature: str
    doc: str
    section: str  # the source's "# ---- NAME" comment above it, or ""
    abstract: bool
    owner: type


@cache
def _class_node(cls: type) -> tuple[ast.ClassDef, list[str], dict[int, str]] | None:
    """The class's syntax tree, its source lines, and its comments by line (1-based)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return None
    tree = ast.parse(source)
    node = next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
    if node is None:
        return None
    comments = {
        token.start[0]: token.string
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    return node, source.splitlines(), comments


def _comment_text(comment: str) -> str:
    return comment.lstrip("#").lstrip(":").strip()


def _comments_above(line: int, lines: list[str], comments: dict[int, str]) -> list[str]:
    found: list[str] = []
    line -= 1
    while line >= 1 and lines[line - 1].strip().startswith("#"):
        found.insert(0, _comment_text(comments.get(line, lines[line - 1].strip())))
        line -= 1
    return found


def _field_meanings(cls: type) -> dict[str, str]:
    parsed = _class_node(cls)
    if parsed is None:
        return {}
    node, lines, comments = parsed
    meanings: dict[str, str] = {}
    body = node.body
    for index, statement in enumerate(body):
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        name = statement.target.id
        following = body[index + 1] if index + 1 < len(body) else None
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            meanings[name] = markdown(inspect.cleandoc(following.value.value))
            continue
        above = _comments_above(statement.lineno, lines, comments)
        trailing = comments.get(statement.end_lineno or statement.lineno)
        parts = [" ".join(above)] if above else []
        if trailing:
            parts.append(_comment_text(trailing))
        previous = body[index - 1] if index else None
        if (
            not parts
            and isinstance(previous, ast.AnnAssign)
            and isinstance(previous.target, ast.Name)
            and previous.end_lineno == statement.lineno - 1
        ):
            # One comment above a group of fields (no blank line between) is about each.
            meanings[name] = meanings.get(previous.target.id, "")
            continue
        meanings[name] = markdown(" ".join(part for part in parts if part))
    return meanings


def _owner_meaning(cls: type, name: str) -> tuple[type, str]:
    """The class of the MRO that declares ``name`` and what its source says of it."""
    owner = cls
    for klass in cls.__mro__:
        if name in klass.__dict__.get("__annotations__", {}):
            owner = klass
            meaning = _field_meanings(klass).get(name, "")
            if meaning:
                return klass, meaning
    return owner, ""


_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")


def markdown(doc: str) -> str:
    """A docstring's reStructuredText roles and literals, as Markdown."""
    return _ROLE.sub(r"`\1`", doc).replace("``", "`")


def own_doc(cls: type) -> str:
    """The class's own docstring (not one inherited from a base), as Markdown."""
    doc = cls.__dict__.get("__doc__")
    if not isinstance(doc, str) or doc.startswith(f"{cls.__name__}("):  # a dataclass's generated one
        return ""
    return markdown(inspect.cleandoc(doc))


def signature_text(function: Any) -> str:
    """A signature as the source writes it (annotations unquoted)."""
    signature = inspect.signature(function)
    parts: list[str] = []
    star_done = False
    for parameter in signature.parameters.values():
        text = parameter.name
        if parameter.kind is parameter.VAR_POSITIONAL:
            text, star_done = f"*{text}", True
        elif parameter.kind is parameter.VAR_KEYWORD:
            text = f"**{text}"
        elif parameter.kind is parameter.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if parameter.annotation is not parameter.empty:
            annotation = parameter.annotation
            text += f": {annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)}"
        if parameter.default is not parameter.empty:
            text += (
                f" = {parameter.default!r}"
                if parameter.annotation is not parameter.empty
                else f"={parameter.default!r}"
            )
        parts.append(text)
    result = f"({', '.join(parts)})"
    if signature.return_annotation is not signature.empty:
        annotation = signature.return_annotation
        result += f" -> {annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)}"
    return result


def _default_text(value: Any) -> str:
    if value is msgspec.UNSET:
        return "not set (inherited)"
    if isinstance(value, type):
        return f"`{value.__name__}`"
    if isinstance(value, msgspec.Struct):
        return f"`{type(value).__name__}` defaults"
    text = repr(value)
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}...`"


_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
_ANNOTATED = re.compile(r"Annotated\[(\w+), Meta\(([^)]*)\)\]")


def readable_type(text: str) -> str:
    """An annotation as a reader wants it: bounds spelled out, msgspec's UNSET left out."""
    text = text.replace(" | UnsetType", "")

    def bounds(match: re.Match[str]) -> str:
        parts = []
        for item in match.group(2).split(","):
            key, _, value = item.strip().partition("=")
            parts.append(f"{_BOUNDS.get(key, key + ' ')}{value.replace(' ', '')}")
        return f"{match.group(1)} ({', '.join(parts)})"

    return _ANNOTATED.sub(bounds, text)


def _annotation(cls: type, name: str) -> str:
    for klass in cls.__mro__:
        annotations = klass.__dict__.get("__annotations__", {})
        if name in annotations:
            value = annotations[name]
            return readable_type(value if isinstance(value, str) else inspect.formatannotation(value))
    return ""


def fields_of(cls: type) -> list[Field]:
    """The fields of a msgspec Struct or a dataclass, inherited ones included, in order."""
    found: list[Field] = []
    if isinstance(cls, type) and issubclass(cls, msgspec.Struct):
        for info in msgspec.structs.fields(cls):
            if info.default is not msgspec.NODEFAULT:
                default = _default_text(info.default)
            elif info.default_factory is not msgspec.NODEFAULT:
                default = _default_text(info.default_factory())
            else:
                default = ""
            owner, meaning = _owner_meaning(cls, info.name)
            found.append(Field(info.name, _annotation(cls, info.name), default, meaning, owner))
    elif dataclasses.is_dataclass(cls):
        for info in dataclasses.fields(cls):
            if info.default is not dataclasses.MISSING:
                default = _default_text(info.default)
            elif info.default_factory is not dataclasses.MISSING:
                default = _default_text(info.default_factory())
            else:
                default = ""
            owner, meaning = _owner_meaning(cls, info.name)
            found.append(Field(info.name, _annotation(cls, info.name), default, meaning, owner))
    return found


def class_attributes(cls: type) -> list[Field]:
    """Annotated ``ClassVar`` attributes: the settings a subclass overrides."""
    found: list[Field] = []
    for name in _declared_order(cls):
        annotation = _annotation(cls, name)
        if "ClassVar" not in annotation:
            continue
        owner, meaning = _owner_meaning(cls, name)
        found.append(Field(name, annotation, _default_text(getattr(cls, name, None)), meaning, owner))
    return found


def _declared_order(cls: type) -> list[str]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("__annotations__", {}):
            if name not in names:
                names.append(name)
    return names


def _sections(cls: type) -> dict[str, str]:
    """Method name -> the ``# ---- section`` comment the source puts it under."""
    parsed = _class_node(cls)
    if parsed is None:
        return {}
    node, _lines, comments = parsed
    marks = sorted(
        (line, _comment_text(text).strip("- ").strip())
        for line, text in comments.items()
        if text.lstrip("#").strip().startswith("---")
    )
    sections: dict[str, str] = {}
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([statement.lineno, *(d.lineno for d in statement.decorator_list)])
            before = [title for line, title in marks if line < first]
            sections[statement.name] = before[-1] if before else ""
    return sections


def _documented(name: str) -> bool:
    # Hooks are private by the guide's naming (``_get_*``, ``_do_*``); other private names are internals.
    return not name.startswith("_") or name.startswith(("_get_", "_do_"))


def methods_of(cls: type) -> Iterator[Method]:
    """The public methods and hooks ``cls`` itself defines, in source order."""
    parsed = _class_node(cls)
    order = [s.name for s in parsed[0].body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)] if parsed else []
    sections = _sections(cls)
    for name in order:
        if not _documented(name):
            continue
        member = cls.__dict__.get(name)
        function = member.fget if isinstance(member, property) else member
        if isinstance(function, classmethod | staticmethod):
            function = function.__func__
        if not callable(function):
            continue
        try:
            signature = signature_text(function)
        except (TypeError, ValueError):
            signature = "(...)"
        if isinstance(member, property):
            signature = ""
        yield Method(
            name=name,
            signature=signature,
            doc=markdown(inspect.getdoc(function) or ""),
            section=sections.get(name, ""),
            abstract=bool(getattr(function, "__isabstractmethod__", False)),
            owner=cls,
        )
