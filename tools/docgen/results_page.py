"""The results reference: what a run writes, and every field of ``results.json``."""

from __future__ import annotations

import msgspec
from panther.reports.document import RunDocument
from panther.runner.results import TestResult
from render import field_table
from source_docs import fields_of, own_doc


def _structs(root: type, seen: list[type]) -> list[type]:
    if root in seen:
        return seen
    seen.append(root)
    info = msgspec.inspect.type_info(root)
    pending = [field.type for field in info.fields] if isinstance(info, msgspec.inspect.StructType) else []
    while pending:
        item = pending.pop(0)
        if isinstance(item, msgspec.inspect.StructType):
            _structs(item.cls, seen)
        for attribute in ("item_type", "value_type"):
            if hasattr(item, attribute):
                pending.append(getattr(item, attribute))
        pending += list(getattr(item, "types", ()))
    return seen


FILES = """\
# Results

`panther run` writes everything under `outputs/<experiment>-<timestamp>/` (the folder
`paths.output_dir` of the experiment file, or `--output-dir`):

| file | what it holds |
|---|---|
| `results.json` | the run as data: every test iteration, its verdict, its checks and its services (below) |
| `summary.md` | the report a person reads: a table of verdicts, each failure's reason and evidence |
| `report.html` | the same as one self-contained page, matrices drawn as servers x clients tables |
| `junit.xml` | the same verdicts for CI systems that read JUnit reports |
| `events.jsonl` | every event of the run, one JSON object per line (see [Events](events.md)) |
| `resolved-config.json` | the experiment as it was resolved and run (defaults filled in) |
| `metrics.json` | the duration of every phase of every test, and of every service |
| `prepare/` | what the experiment-wide preparation made once (certificates, files to serve ...) |
| `<test>/<service>/` | one folder per service of every test: `command.txt`, `argv.json`, `stdout.log`, \
`stderr.log`, `exit_code`, and what the protocol keeps (key log, qlogs, capture, downloads) |

A verdict is one of `passed`, `failed`, `error` (the harness or the setup broke),
`unsupported` (the implementation cannot do what the test asks) and `skipped`. A test's
verdict is the worst of its checks, in the order error > failed > unsupported > skipped
> passed; its `reason` is the first check with that status. Every check names the files
that hold its evidence. `panther run` exits with 0 when every test passed.

## `results.json`

Generated from the msgspec Structs the runner encodes.

"""


def page() -> str:
    text = FILES
    for struct in _structs(RunDocument, []):
        doc = own_doc(struct)
        title = "The document" if struct is RunDocument else f"`{struct.__name__}`"
        if struct is TestResult:
            title = "Each item of `tests`"
        text += f"### {title} (`{struct.__name__}`)\n\n" + (f"{doc}\n\n" if doc else "")
        text += field_table(fields_of(struct), key_column="field") + "\n"
    return text
