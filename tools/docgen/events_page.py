"""The events reference: every event class of ``panther.events``, with its fields."""

from __future__ import annotations

import inspect

from panther import events
from render import field_table
from source_docs import fields_of, own_doc


def _event_classes() -> list[type[events.Event]]:
    found: list[type[events.Event]] = []
    pending: list[type[events.Event]] = [events.Event]
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending += cls.__subclasses__()
    in_module = [cls for cls in found if cls.__module__ == events.__name__]
    order = [name for name, _ in inspect.getmembers(events, inspect.isclass)]
    source = inspect.getsource(events)
    return sorted(in_module, key=lambda cls: source.find(f"class {cls.__name__}(") if cls.__name__ in order else 0)


def page() -> str:
    text = (
        "# Events\n\n"
        "Everything that happens in a run is an event on one bus (`panther.EventBus`); observers\n"
        "subscribe to it: the console's progress, the JSON-lines log `events.jsonl` of every run\n"
        '(one event per line, its class name under `"event"`), the metrics. A service manager\n'
        "emits through `self.emit_event(event)`; the base classes already emit the events of\n"
        "preparation, command generation and the service's life. Generated from `panther.events`.\n\n"
    )
    base_fields = {field.name for field in fields_of(events.Event)}
    for cls in _event_classes():
        doc = own_doc(cls)
        own = [field for field in fields_of(cls) if cls is events.Event or field.name not in base_fields]
        text += f"## `{cls.__name__}`\n\n" + (f"{doc}\n\n" if doc else "")
        if cls is events.Event:
            text += "Fields every event has:\n\n"
        text += field_table(own, key_column="field") + "\n"
    return text
