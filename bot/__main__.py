"""`python -m bot` does what `balai` does."""

import sys

from bot.cli import main

sys.exit(main())
