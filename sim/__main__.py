"""``python -m sim`` does what the ``ccsim`` console script does."""

import sys

from .cli import main

sys.exit(main())
