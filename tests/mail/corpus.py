"""The shared email corpus (../shared/corpus/email): where it is and what it lists.

Test data only, never copied into the repository. CI clones the repository
beside ../shared, so the corpus is found relative to the repository root;
RELAYDESK_CORPUS_DIR points elsewhere. Tests that need it skip, saying why,
when it is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    """The corpus folder (it may not exist: see `require_corpus`)."""
    override = os.environ.get("RELAYDESK_CORPUS_DIR")
    if override:
        return Path(override).resolve()
    return (REPO_ROOT / ".." / "shared" / "corpus" / "email").resolve()


def require_corpus() -> Path:
    """The corpus folder, or skip the calling test with the reason."""
    folder = corpus_dir()
    if not (folder / "index.jsonl").is_file():
        pytest.skip(f"email corpus not found at {folder} (set RELAYDESK_CORPUS_DIR)")
    return folder


def load_index() -> list[dict[str, Any]]:
    """index.jsonl, one dict per message (`path` is relative to corpus_dir())."""
    lines = (require_corpus() / "index.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def message_bytes(entry: dict[str, Any]) -> bytes:
    return (corpus_dir() / entry["path"]).read_bytes()
