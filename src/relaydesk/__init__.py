"""Relaydesk, an open-source service desk."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("relaydesk")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
