"""The scrapers package's modules import each other one way: no cycle, not even under TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

import scrapers

PACKAGE = Path(scrapers.__file__).parent


def _imports(path: Path) -> set[str]:
    """The ``scrapers.*`` modules a file imports, anywhere in it (type-checking blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scrapers."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("scrapers."))
    return found


def test_scrapers_modules_import_each_other_without_cycles() -> None:
    graph = {f"scrapers.{p.stem}": _imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    state: dict[str, str] = {}  # module -> "visiting" | "done"

    def visit(module: str, path: list[str]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "visiting", "import cycle: " + " -> ".join([*path, module])
        state[module] = "visiting"
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    # The layers of a crawl: the run drives a source's walk, which reads feeds.
    assert "scrapers.walk" in graph["scrapers.crawl"]
    assert "scrapers.feedwalk" in graph["scrapers.walk"]
