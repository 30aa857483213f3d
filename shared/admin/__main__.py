import sys

from shared.admin.cli import main

sys.exit(main())
