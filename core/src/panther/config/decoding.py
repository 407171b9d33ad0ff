"""Decoding plain data into msgspec Structs, with errors in the experiment's own terms.

msgspec reports a mistake as ``Expected `int`, got `str` - at `$.tests[0].iterations```
and hides mapping keys as ``[...]``. This module turns such a report into a
:class:`ConfigError` that names the document path (``tests[0].services.client.timeout``),
its line, what was expected (in YAML words: a number, a list, one of server, client,
peer) and what was found.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from typing import Any, TypeVar, Union

import msgspec

from panther.config.errors import ConfigError
from panther.config.yaml_source import DocPath, SourceDocument

T = TypeVar("T")

_AT = re.compile(r"^(?P<message>.*?) - at `(?P<path>\$[^`]*)`$", re.S)
_TOKEN = re.compile(r"\.(?P<field>[^.\[]+)|\[(?P<index>\d+)\]|(?P<key>\[\.\.\.\])")
_EXPECTED = re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`")
# A value of the right type out of its bounds: "Expected `float` <= 1.0".
_BOUND = re.compile(r"^Expected `(?P<type>[^`]+)` (?P<bound>[<>]=? ?-?[0-9.e+]+)$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<key>[^`]+)`")
_MISSING = re.compile(r"^Object missing required field `(?P<key>[^`]+)`")
_ENUM = re.compile(r"^Invalid enum value ")

_MISSING_VALUE = object()

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "str": "text",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "null (nothing)",
}


def decode(document: SourceDocument, value: Any, target: type[T], path: DocPath) -> T:
    """``msgspec.convert(value, target)``, or a :class:`ConfigError` located in ``document``."""
    try:
        return msgspec.convert(value, target)
    except msgspec.ValidationError as error:
        raise explain(document, value, target, path, str(error)) from None


def explain(document: SourceDocument, value: Any, target: Any, path: DocPath, report: str) -> ConfigError:
    """Translate one msgspec validation report about ``value`` (found at ``path``)."""
    match = _AT.match(report)
    message = match.group("message") if match else report
    tokens = _tokens(match.group("path")) if match else []
    relative, found, annotation = _locate(value, target, tokens)
    where = (*path, *relative)

    unknown = _UNKNOWN.match(message)
    if unknown:
        key = unknown.group("key")
        # An optional block (``path: PathConfig | None``) lists the keys of its mapping arm.
        allowed = field_names(_arm_for(annotation, key))
        text = f"unknown key `{key}`"
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            text += f"; did you mean `{close[0]}`?"
        return document.error(
            text,
            (*where, key),
            expected=f"one of the keys: {', '.join(allowed)}" if allowed else None,
            found=f"`{key}`",
        )
    missing = _MISSING.match(message)
    if missing:
        key = missing.group("key")
        wanted = _field_annotation(_arm_for(annotation, key), key)
        return document.error(
            f"missing required key `{key}`",
            where,
            expected=f"`{key}`: {describe_type(wanted)}" if wanted is not None else f"a `{key}` key",
            found=f"no `{key}` key",
        )
    name = _last_name(where)
    if _ENUM.match(message):
        return document.error(
            f"invalid value for `{name}`", where, expected=describe_type(annotation), found=describe_value(found)
        )
    bound = _BOUND.match(message)
    if bound:
        return document.error(
            f"`{name}` is out of bounds",
            where,
            expected=f"{_type_words(bound.group('type'))} {bound.group('bound')}",
            found=describe_value(found),
        )
    expected = _EXPECTED.match(message)
    if expected:
        text = f"wrong type for `{name}`"
        # YAML reads 1.0, 8080 or yes as numbers and booleans; quotes keep them text.
        if "str" in expected.group("expected").split(" | ") and isinstance(found, (int, float)):
            text += " (put the value in quotes to make it text)"
        return document.error(
            text,
            where,
            expected=_type_words(expected.group("expected")),
            found=describe_value(found),
        )
    return document.error(
        f"invalid value for `{name}`: {message[:1].lower()}{message[1:]}",
        where,
        found=describe_value(found) if found is not _MISSING_VALUE else None,
    )


def field_names(annotation: Any) -> list[str]:
    """The keys a Struct accepts (empty for anything else)."""
    struct = _struct_of(annotation)
    if struct is None:
        return []
    return [info.encode_name for info in msgspec.structs.fields(struct)]


def describe_type(annotation: Any) -> str:
    """A YAML reader's words for a type: ``one of server, client, peer``, ``a number``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(str(option) for option in typing.get_args(annotation))
    if origin is Union or _is_union_type(annotation):
        return " or ".join(describe_type(arm) for arm in typing.get_args(annotation))
    if annotation is type(None):
        return _TYPE_WORDS["null"]
    if origin in (list, tuple, set, frozenset):
        return "a list"
    if origin is dict or _struct_of(annotation) is not None:
        return "a mapping"
    if isinstance(annotation, type):
        return _TYPE_WORDS.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def describe_value(value: Any) -> str:
    """How a value from the file is shown in a message."""
    if value is _MISSING_VALUE:
        return "nothing"
    if value is None:
        return "null (nothing)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        shown = json.dumps(value if len(value) <= 60 else value[:57] + "...")
        return f"{shown} (text)"
    if isinstance(value, (int, float)):
        return f"{value} ({'an integer' if isinstance(value, int) else 'a number'})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{value!s} ({type(value).__name__})"


def _type_words(msgspec_types: str) -> str:
    return " or ".join(_TYPE_WORDS.get(part.strip(), part.strip()) for part in msgspec_types.split("|"))


def _tokens(msgspec_path: str) -> list[str | int | None]:
    """``$.tests[0].services[...]`` -> ``["tests", 0, "services", None]`` (None: some key)."""
    tokens: list[str | int | None] = []
    for match in _TOKEN.finditer(msgspec_path[1:]):
        if match.group("field") is not None:
            tokens.append(match.group("field"))
        elif match.group("index") is not None:
            tokens.append(int(match.group("index")))
        else:
            tokens.append(None)
    return tokens


def _locate(value: Any, annotation: Any, tokens: list[str | int | None]) -> tuple[DocPath, Any, Any]:
    """Follow msgspec's path through the data and the type: (document path, value there, its type).

    A ``[...]`` (a mapping key msgspec does not name) is resolved to the first key
    whose value does not decode, which is the one msgspec stopped at.
    """
    path: list[str | int] = []
    for token in tokens:
        annotation = _arm_for(annotation, token)
        if token is None:
            value_type = _dict_value_type(annotation)
            if not isinstance(value, dict):
                break
            key = _first_invalid_key(value, value_type)
            if key is None:
                break
            path.append(key)
            value, annotation = value[key], value_type
        elif isinstance(token, int):
            if not isinstance(value, list) or token >= len(value):
                break
            path.append(token)
            value, annotation = value[token], _item_type(annotation)
        else:
            struct = _struct_of(annotation)
            info = {f.encode_name: f for f in msgspec.structs.fields(struct)} if struct else {}
            path.append(token)
            annotation = info[token].type if token in info else Any
            value = value.get(token, _MISSING_VALUE) if isinstance(value, dict) else _MISSING_VALUE
    return tuple(path), value, annotation


def _first_invalid_key(mapping: dict[str, Any], value_type: Any) -> str | None:
    for key, item in mapping.items():
        try:
            msgspec.convert(item, value_type)
        except msgspec.ValidationError:
            return key
    return None


def _arm_for(annotation: Any, token: str | int | None) -> Any:
    """Of a union (``X | None``), the arm that a path token walks into."""
    if typing.get_origin(annotation) is not Union and not _is_union_type(annotation):
        return annotation
    for arm in typing.get_args(annotation):
        if token is None and (typing.get_origin(arm) is dict):
            return arm
        if isinstance(token, int) and typing.get_origin(arm) in (list, tuple):
            return arm
        if isinstance(token, str) and _struct_of(arm) is not None:
            return arm
    return annotation


def _struct_of(annotation: Any) -> type[msgspec.Struct] | None:
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    return None


def _field_annotation(annotation: Any, key: str) -> Any:
    struct = _struct_of(annotation)
    if struct is None:
        return None
    for info in msgspec.structs.fields(struct):
        if info.encode_name == key:
            return info.type
    return None


def _dict_value_type(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    return args[1] if typing.get_origin(annotation) is dict and len(args) == 2 else Any


def _item_type(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    return args[0] if typing.get_origin(annotation) in (list, tuple, set, frozenset) and args else Any


def _is_union_type(annotation: Any) -> bool:
    # ``int | None`` written with the ``|`` operator is a types.UnionType, not typing.Union.
    return isinstance(annotation, types.UnionType)


def _last_name(path: DocPath) -> str:
    for key in reversed(path):
        if isinstance(key, str):
            return key
    return "the document"
