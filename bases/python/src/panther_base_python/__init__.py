"""panther-base-python: the Python language base of PANTHER.

``PythonServiceMixin`` runs ``python -m MODULE`` with the interpreter of the
environment the service is deployed in. Its combinations with the protocol bases
live in submodules so that each protocol stays an optional extra:
``panther_base_python.quic`` (``[quic]``), ``.http`` (``[http]``), ``.minip`` (``[minip]``).
"""

from panther_base_python.__about__ import __version__
from panther_base_python.mixin import PythonServiceMixin

__all__ = ["__version__", "PythonServiceMixin"]
