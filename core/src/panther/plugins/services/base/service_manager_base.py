"""``BaseServiceManager`` at the import path of the IUT development guide."""

from panther.services.manager import BaseServiceManager, ServiceManagerError, UnsupportedFeatureError

__all__ = ["BaseServiceManager", "ServiceManagerError", "UnsupportedFeatureError"]
