#!/usr/bin/env python3
"""Set up and run deptnews on a fresh machine with nothing but Python 3.11+.

    python3 dev.py demo    # venv + install, then crawl the bundled demo sites, index, serve on :8000
    python3 dev.py test    # venv + install with dev tools, then ruff, mypy --strict and the test suite
    python3 dev.py fuzz    # the property-based and schemathesis tests only, random and much longer

Extra arguments after the command are passed on (``python3 dev.py demo --port 8080``,
``python3 dev.py test -k search``, ``python3 dev.py fuzz tests/api``). ``test`` runs the property-based
tests derandomized (Hypothesis profile ``ci``, as CI does), the same examples every run; ``fuzz`` uses
the ``fuzz`` profile (see tests/conftest.py). The virtual environment lives in ``.venv`` beside this file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PACKAGES = ["archive", "scrapers", "index", "api", "deptnews"]


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def setup(extras: str = "") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older python3
        sys.exit(f"deptnews needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f".{extras}")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "fuzz"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "demo":
            setup()
            run(BIN / "deptnews", "demo", *rest)
        elif command == "fuzz":
            setup("[dev]")
            # Hypothesis marks every property-based test "hypothesis", schemathesis' included.
            run(
                BIN / "python",
                "-m",
                "pytest",
                "-W",
                "error",
                "-m",
                "hypothesis",
                "--hypothesis-profile=fuzz",
                *rest,
            )
        else:
            setup("[dev]")
            run(BIN / "ruff", "check", *PACKAGES, "tests", "bench", "dev.py")
            run(BIN / "ruff", "format", "--check", *PACKAGES, "tests", "bench", "dev.py")
            run(BIN / "mypy", "--strict", *[f"--package={p}" for p in PACKAGES])
            run(BIN / "mypy", "--strict", "bench")  # the benchmarks too (their peers typed when installed)
            # First the examples fuzzing recorded (tests/hypothesis-examples/), then the whole suite with
            # the property-based tests derandomized (see tests/conftest.py). Exit 5: nothing selected.
            # The replay pass runs without `CI` in its environment: under CI, Hypothesis and schemathesis
            # apply their own derandomized "ci" settings, which refuse an example database; replaying
            # generates nothing, so it is deterministic either way.
            replay = [BIN / "python", "-m", "pytest", "-W", "error", "-q", "-m", "hypothesis"]
            quiet_ci = {k: v for k, v in os.environ.items() if k != "CI"}
            if subprocess.run(
                [str(a) for a in [*replay, "--hypothesis-profile=replay", *rest]], cwd=ROOT, env=quiet_ci
            ).returncode not in (0, 5):
                return 1
            run(BIN / "python", "-m", "pytest", "-W", "error", "--hypothesis-profile=ci", *rest)
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
