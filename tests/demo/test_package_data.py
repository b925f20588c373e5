"""The demo runs from an installed copy of the package: the files it reads at run time (site content,
templates, the committed legacy Word and Excel files) are package data that a build ships."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import deptnews

ROOT = Path(deptnews.__file__).resolve().parent.parent
PACKAGES = ("archive", "scrapers", "index", "api", "deptnews")

# Run from the built copy only: every demo page and every attachment of both sites is served, the
# legacy files read, the generated ones made; prints where the package was imported from.
PROBE = """
import deptnews.demo.sites as sites
from deptnews.demo.documents import FILES
from deptnews.demo.server import make_app
for site in sites.SITES:
    app = make_app(site)
    for article in site.articles:
        assert app.handle(article.path, "http://x").status == 200, article.path
        for attachment in article.attachments:
            served = app.handle(attachment.path, "http://x")
            assert served.status == 200 and served.body, attachment.path
for name, (make, media_type) in FILES.items():
    assert make(), name
print(sites.__file__)
"""


def test_a_build_ships_what_the_demo_reads(tmp_path: Path) -> None:
    # Built from a clean copy of the sources: an egg-info left by an earlier build or the editable
    # install would otherwise add its file list to what the build ships.
    tree = tmp_path / "src"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    build = tmp_path / "build"
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import setup; setup()",
            "-q",
            "build_py",
            "--build-lib",
            str(build),
        ],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    shipped = {
        p.relative_to(build / "deptnews" / "demo").as_posix()
        for p in (build / "deptnews" / "demo").rglob("*")
    }
    source = ROOT / "deptnews" / "demo"
    needed = {
        p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file() and p.suffix in (".toml", ".html", ".doc", ".xls") and "__pycache__" not in p.parts
    }
    assert needed, "the demo reads content, templates and legacy files"
    assert needed <= shipped, sorted(needed - shipped)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(build)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).is_relative_to(build)  # the built copy ran, not the source tree
