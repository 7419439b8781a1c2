import sys

from fcu.cli import main

sys.exit(main())
