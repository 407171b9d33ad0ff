"""The guide's promise: events are emitted through the base classes.

``YourServiceManager`` below is the guide's Example 1 as written (its
``_do_prepare`` neither calls ``super()`` nor emits anything), and
``test_event_emission`` is the guide's own test, unchanged.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from panther import BaseServiceManager, EventBus, ServicePreparationEvent, register_plugin
from panther.events import Event


@register_plugin(
    plugin_type="iut",
    name="your_implementation",
    version="1.0.0",
    description="Your protocol implementation",
    supported_protocols=["your_protocol"],
    capabilities=["basic_features"],
)
class YourServiceManager(BaseServiceManager):
    """Service manager for your protocol implementation."""

    def _get_implementation_name(self) -> str:
        return "your_implementation"

    def _get_binary_name(self) -> str:
        return "your_binary"

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        """Implementation-specific preparation."""
        self._setup_implementation()
        self._validate_requirements()

    def _setup_implementation(self) -> None:
        pass

    def _validate_requirements(self) -> None:
        pass


class TestYourServiceManager:
    def test_event_emission(self) -> None:
        """Test that events are emitted correctly."""
        manager = YourServiceManager()

        with patch.object(manager, "emit_event") as mock_emit:
            manager._do_prepare()
            # Verify preparation events were emitted
            mock_emit.assert_called()


def _recorded() -> tuple[EventBus, list[Event]]:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    return bus, seen


def _preparations(seen: list[Event]) -> list[tuple[str, str | None]]:
    return [(e.preparation_type, e.status) for e in seen if isinstance(e, ServicePreparationEvent)]


def test_prepare_reports_start_and_finish_on_the_bus() -> None:
    bus, seen = _recorded()
    YourServiceManager(event_bus=bus).prepare()
    assert _preparations(seen) == [("prepare", "started"), ("prepare", "finished")]
    finished = seen[-1]
    assert isinstance(finished, ServicePreparationEvent) and finished.duration is not None
    assert finished.service_name == "your_implementation"


def test_a_plugin_without_its_own_preparation_is_reported_too() -> None:
    class Plain(BaseServiceManager):
        def _get_implementation_name(self) -> str:
            return "plain"

        def _get_binary_name(self) -> str:
            return "plain"

    bus, seen = _recorded()
    Plain(event_bus=bus)._do_prepare()
    assert _preparations(seen) == [("prepare", "started"), ("prepare", "finished")]


def test_an_override_calling_super_is_reported_once() -> None:
    class Layered(YourServiceManager):
        def _do_prepare(self, plugin_manager: Any = None) -> None:
            super()._do_prepare(plugin_manager)
            self.emit_event(ServicePreparationEvent(service_name="x", preparation_type="custom_setup"))

    bus, seen = _recorded()
    Layered(event_bus=bus).prepare()
    assert _preparations(seen) == [("prepare", "started"), ("custom_setup", None), ("prepare", "finished")]


def test_a_failed_preparation_is_reported_with_its_reason_and_still_raises() -> None:
    class Broken(YourServiceManager):
        def _do_prepare(self, plugin_manager: Any = None) -> None:
            raise RuntimeError("your_binary is not installed")

    bus, seen = _recorded()
    manager = Broken(event_bus=bus)
    with pytest.raises(RuntimeError, match="not installed"):
        manager.prepare()
    assert _preparations(seen) == [("prepare", "started"), ("prepare", "error")]
    failed = seen[-1]
    assert isinstance(failed, ServicePreparationEvent) and failed.detail == "your_binary is not installed"
    # A later attempt is reported again: the failure left nothing half set.
    with pytest.raises(RuntimeError):
        manager.prepare()
    assert _preparations(seen)[-2:] == [("prepare", "started"), ("prepare", "error")]
