"""Settings for the test suite: the product's settings, with a throwaway data dir.

pytest-django imports this before any conftest runs, so this is the one place
where a default for RELAYDESK_DATA_DIR can still take effect.
"""

import os
import tempfile

os.environ.setdefault("RELAYDESK_DATA_DIR", tempfile.mkdtemp(prefix="relaydesk-test-"))

from relaydesk.settings import *  # noqa: E402,F403

# The suite never collects static files; an empty directory keeps WhiteNoise quiet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# No collectstatic in tests, so no manifest: serve static names as they are.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
