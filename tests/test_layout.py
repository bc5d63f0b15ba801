"""Package hygiene: no import cycles, every declared dependency is imported (and every import declared),
scripts say what they are for."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src" / "platekit"

# distribution name -> import name, where they differ
IMPORT_NAME = {"opencv-python-headless": "cv2", "pyyaml": "yaml", "pillow": "PIL",
               "rapidocr-onnxruntime": "rapidocr_onnxruntime", "python-multipart": "multipart"}
# declared, not imported by platekit itself, and why (each is imported by the library named)
NOT_IMPORTED = {"python-multipart": "fastapi parses the upload form with it",
                "httpx": "fastapi.testclient (tests/test_serve.py) sends requests with it",
                "ruff": "a command: .ci/run runs ruff check"}


def _imports(files) -> dict[str, set[str]]:
    """module file -> imported module names (every import, lazy ones inside functions too)."""
    out = {}
    for f in files:
        names = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
        out[f] = names
    return out


def _module(f: Path) -> str:
    return ".".join(f.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")


def test_no_import_cycles():
    files = list(SRC.rglob("*.py"))
    mods = {_module(f) for f in files}
    graph = {_module(f): {n for n in names if n in mods and n != _module(f)} for f, names in _imports(files).items()}
    # a package's __init__ importing its own modules is not a cycle of code
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    cycles, state = [], {}

    def visit(m, path):
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                cycles.append(path[path.index(d):] + [d])
            elif d not in state:
                visit(d, path + [d])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, f"import cycles: {cycles}"


def _declared() -> dict[str, list[str]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    groups = {"core": meta["dependencies"], **meta["optional-dependencies"]}
    return {g: [re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0].lower() for r in reqs] for g, reqs in groups.items()}


def _top_level(names) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_every_declared_dependency_is_imported():
    src = _top_level(set().union(*_imports(SRC.rglob("*.py")).values()))
    tests = _top_level(set().union(*_imports(list((ROOT / "tests").glob("*.py"))).values()))
    unused = []
    for group, dists in _declared().items():
        where = src | tests if group == "dev" else src
        for dist in dists:
            name = IMPORT_NAME.get(dist, dist.replace("-", "_"))
            if name not in where and dist not in NOT_IMPORTED:
                unused.append(f"{group}: {dist}")
    assert not unused, f"declared but never imported: {unused}"


def test_every_third_party_import_is_declared():
    declared = {IMPORT_NAME.get(d, d.replace("-", "_")) for dists in _declared().values() for d in dists}
    declared.add("platekit")
    missing = set()
    for f, names in _imports(SRC.rglob("*.py")).items():
        for top in _top_level(names):
            if top in sys.stdlib_module_names or top in declared or top == "__future__":
                continue
            missing.add(f"{top} ({f.relative_to(ROOT)})")
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_scripts_say_what_they_are_for():
    for f in sorted((ROOT / "scripts").glob("*.py")):
        doc = ast.get_docstring(ast.parse(f.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()[0]) > 20, f"{f.name}: no docstring saying what it is for"
    readme = (ROOT / "scripts" / "README.md").read_text(encoding="utf-8")
    for f in sorted((ROOT / "scripts").glob("*.py")):
        assert f.name in readme, f"scripts/README.md does not list {f.name}"
