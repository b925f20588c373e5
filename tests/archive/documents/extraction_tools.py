"""The extraction tools' guard for tests: in CI (``CI=true``) a missing tool fails the test with the
Debian package to install; elsewhere the test skips saying so."""

from __future__ import annotations

import os

import pytest

from archive.documents.tools import TOOLS, missing_tools


def require_tools() -> None:
    missing = missing_tools()
    if not missing:
        return
    packages = sorted({TOOLS.get(m, "tesseract-ocr-vie") for m in missing})
    message = f"extraction tools missing: {', '.join(missing)} (apt-get install {' '.join(packages)})"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)
