"""The `relaydesk` command: run, migrate and administer an installation.

    relaydesk up        embedded all-in-one: migrate, web server and worker together
    relaydesk serve     the web server (gunicorn, threaded workers), for production
    relaydesk worker    the task worker
    relaydesk migrate | demo | createadmin | manage …

Django is set up only by the subcommands that need it, so `relaydesk --help`
works without a configured installation.
"""

from relaydesk.cli.main import main
from relaydesk.cli.serve import gunicorn_argv

__all__ = ["gunicorn_argv", "main"]
