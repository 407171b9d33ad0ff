"""Import paths of the IUT development guide (``panther.plugins.services.base.*``)."""
