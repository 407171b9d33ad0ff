"""The configuration base classes at the import path of the IUT development guide."""

from panther.config.implementation import ImplementationConfig, IUTConfig
from panther.config.models import ProtocolConfig

__all__ = ["IUTConfig", "ImplementationConfig", "ProtocolConfig"]
