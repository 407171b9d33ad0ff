"""Reading an experiment file into plain data while remembering where every value is.

This module owns everything about the file as text: reading it safely (size limit,
encoding, binary junk), parsing the YAML node tree, refusing what YAML would
silently accept (duplicate keys, alias bombs, exotic tags), and the line of every
document path, so that later errors can say ``file:line`` for
``tests[0].services.client.protocol.role``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from panther.config.errors import ConfigError

#: Experiment files larger than this are refused before they are read.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Values a document may expand to once aliases are followed (bounds "billion laughs").
MAX_VALUES = 200_000
#: Nesting depth of mappings and lists (bounds recursive aliases and runaway nesting).
MAX_DEPTH = 64

PathKey = str | int
DocPath = tuple[PathKey, ...]

# The libyaml parser is several times faster; both report the same marks.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def format_path(path: DocPath) -> str:
    """``("tests", 0, "services", "client")`` -> ``tests[0].services.client``."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        elif _PLAIN_KEY.match(key):
            text += f".{key}" if text else key
        else:
            text += f"[{json.dumps(key)}]"
    return text or "<document>"


@dataclass
class SourceDocument:
    """A parsed experiment file: its data and the line of every path in it."""

    file: Path
    data: Any
    lines: dict[DocPath, int] = field(default_factory=dict)

    def line_of(self, path: DocPath) -> int | None:
        """The line of ``path``, or of its closest ancestor that is in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def error(
        self,
        message: str,
        path: DocPath,
        *,
        expected: str | None = None,
        found: str | None = None,
    ) -> ConfigError:
        return ConfigError(
            message,
            file=self.file,
            path=format_path(path) if path else None,
            line=self.line_of(path),
            expected=expected,
            found=found,
        )


def read_source(path: Path) -> str:
    """The text of an experiment file, or a :class:`ConfigError` saying why it cannot be used."""
    try:
        if path.is_dir():
            raise ConfigError("is a directory, not an experiment file", file=path, expected="a YAML file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _too_large(path, size)
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such file", file=path, expected="an existing experiment file") from None
    except PermissionError:
        raise ConfigError("cannot be read: permission denied", file=path) from None
    except OSError as error:
        raise ConfigError(f"cannot be read: {error.strerror or error}", file=path) from None
    # A special file (a pipe) has no size until it is read.
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(path, len(raw))
    return decode_source(raw, path)


def _too_large(path: Path, size: int) -> ConfigError:
    return ConfigError(
        "is too large to be an experiment file",
        file=path,
        expected=f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB ({MAX_FILE_BYTES} bytes)",
        found=f"{size / (1024 * 1024):.1f} MB ({size} bytes)",
    )


def decode_source(raw: bytes, path: Path) -> str:
    """Decode the bytes of an experiment file as UTF-8 text (a BOM is allowed)."""
    nul = raw.find(b"\0")
    if nul >= 0:
        raise ConfigError(
            "is not a text file: it contains NUL bytes (binary data?)",
            file=path,
            line=raw.count(b"\n", 0, nul) + 1,
            expected="a UTF-8 YAML file",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            f"is not valid UTF-8 text: byte 0x{raw[error.start]:02x} at column {column} cannot be decoded",
            file=path,
            line=line,
            expected="a UTF-8 YAML file",
        ) from None


def parse_document(text: str, path: Path) -> SourceDocument:
    """Parse one YAML document into plain data (dicts, lists, scalars) and its line map."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, path) from None
    except yaml.YAMLError as error:
        raise _reader_error(error, text, path) from None
    except RecursionError:
        raise ConfigError(
            "is nested too deeply to be an experiment file", file=path, expected=f"at most {MAX_DEPTH} levels"
        ) from None
    document = SourceDocument(file=path, data=None)
    if root is not None:
        document.lines[()] = root.start_mark.line + 1
        document.data = _Builder(document).build(root, (), 0)
    return document


def _syntax_error(error: yaml.MarkedYAMLError, path: Path) -> ConfigError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    if error.context:
        context = error.context
        # "while scanning a quoted scalar": where it began is what the reader must fix.
        if error.context_mark is not None and mark is not None and error.context_mark.line != mark.line:
            context = f"{context} that starts on line {error.context_mark.line + 1}"
        problem = f"{problem} ({context})"
    if mark is None:
        return ConfigError(f"invalid YAML: {problem}", file=path)
    return ConfigError(f"invalid YAML at column {mark.column + 1}: {problem}", file=path, line=mark.line + 1)


def _reader_error(error: yaml.YAMLError, text: str, path: Path) -> ConfigError:
    # The reader reports characters YAML forbids (control characters) by offset.
    position = getattr(error, "position", None)
    reason = getattr(error, "reason", None) or str(error)
    character = getattr(error, "character", None)
    if isinstance(character, str):
        reason = f"{reason}: character U+{ord(character):04X}"
    elif isinstance(character, int):
        reason = f"{reason}: character U+{character:04X}"
    line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
    return ConfigError(f"invalid YAML: {reason}", file=path, line=line, expected="printable text")


class _Builder:
    """Turns a YAML node tree into plain data, recording the line of each path."""

    def __init__(self, document: SourceDocument) -> None:
        self.document = document
        self.constructor = yaml.constructor.SafeConstructor()
        self.values = 0

    def build(self, node: yaml.Node, path: DocPath, depth: int) -> Any:
        self.values += 1
        # Where an expansion trips is arbitrary deep inside it; the top-level key is what a reader can find.
        if self.values > MAX_VALUES:
            raise self.document.error(
                "the document expands to too many values (YAML aliases referring to aliases?)",
                path[:1],
                expected=f"at most {MAX_VALUES} values",
            )
        if depth > MAX_DEPTH:
            raise self.document.error(
                "the document is nested too deeply (a YAML alias referring to itself?)",
                path[:1],
                expected=f"at most {MAX_DEPTH} levels",
            )
        if isinstance(node, yaml.MappingNode):
            self._check_tag(node, _MAP_TAG, path)
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, _SEQ_TAG, path)
            items = []
            for index, item in enumerate(node.value):
                self.document.lines.setdefault((*path, index), item.start_mark.line + 1)
                items.append(self.build(item, (*path, index), depth + 1))
            return items
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as error:
            problem = error.problem or "cannot be read"
            raise ConfigError(
                f"invalid value: {problem}",
                file=self.document.file,
                path=format_path(path) if path else None,
                line=node.start_mark.line + 1,
            ) from None
        except (ValueError, OverflowError) as error:
            raise self.document.error(f"invalid value: {error}", path, found=str(node.value)) from None

    def _check_tag(self, node: yaml.Node, tag: str, path: DocPath) -> None:
        if node.tag != tag:
            raise ConfigError(
                f"the YAML tag {node.tag} is not supported",
                file=self.document.file,
                path=format_path(path) if path else None,
                line=node.start_mark.line + 1,
                expected="a plain mapping or list",
            )

    def _mapping(self, node: yaml.MappingNode, path: DocPath, depth: int) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        own: dict[str, Any] = {}
        own_lines: dict[str, int] = {}
        merges = [value for key, value in node.value if key.tag == _MERGE_TAG]
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(
                    "a mapping key must be plain text",
                    file=self.document.file,
                    path=format_path(path) if path else None,
                    line=line,
                    expected="a text key",
                    found="a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping",
                )
            # Keys are names in this schema: ``8080:`` and ``"8080":`` are the same key.
            key = str(key_node.value)
            if key in own_lines:
                raise ConfigError(
                    f"duplicate key `{key}` (it is already set on line {own_lines[key]})",
                    file=self.document.file,
                    path=format_path((*path, key)),
                    line=line,
                    expected="each key at most once in a mapping",
                )
            own_lines[key] = line
            self.document.lines.setdefault((*path, key), line)
            own[key] = self.build(value_node, (*path, key), depth + 1)
        # Merged after the mapping's own keys, so that lines point at the keys that win.
        for merge in merges:
            self._merge(merge, merged, path, depth)
        return {**merged, **own}

    def _merge(self, node: yaml.Node, merged: dict[str, Any], path: DocPath, depth: int) -> None:
        """``<<: *base`` (or a list of them): keys not set in the mapping itself; the first source wins."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise ConfigError(
                    "`<<` merges mappings only",
                    file=self.document.file,
                    path=format_path(path) if path else None,
                    line=source.start_mark.line + 1,
                    expected="an alias of a mapping, or a list of them",
                )
            for key, value in self.build(source, path, depth + 1).items():
                merged.setdefault(key, value)
