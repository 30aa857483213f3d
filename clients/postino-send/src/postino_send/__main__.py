"""`python -m postino_send`: the same as the `postino-send` command."""

from postino_send.cli import main

raise SystemExit(main())
