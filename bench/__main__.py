"""Entry point: `python -m bench create|floor --n N --concurrency C`."""

import sys

from bench.cli import main

sys.exit(main())
