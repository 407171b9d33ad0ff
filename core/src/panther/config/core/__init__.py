"""Import paths of the IUT development guide (``panther.config.core.models``)."""
