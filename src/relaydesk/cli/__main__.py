import sys

from relaydesk.cli.main import main

sys.exit(main())
