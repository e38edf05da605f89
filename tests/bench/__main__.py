"""`python -m tests.bench [options]`, as `make bench ARGS="..."` runs it."""

from tests.bench.run import main

raise SystemExit(main())
