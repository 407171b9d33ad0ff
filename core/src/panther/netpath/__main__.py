"""``python -m panther.netpath RELAY_JSON``: run one path relay (see :mod:`panther.netpath.relay`)."""

import sys

from panther.netpath.relay import main

sys.exit(main())
