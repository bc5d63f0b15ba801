"""The ``platekit`` command as a user runs it: version, help, one-line errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from platekit import __version__


def platekit(*args: str, code: str = "from platekit.cli.main import main; main()") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)


def test_version():
    r = platekit("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"platekit {__version__}"


def test_help_lists_commands():
    r = platekit("--help")
    assert r.returncode == 0 and "Usage" in r.stdout and "data" in r.stdout
    r = platekit("data", "--help")
    assert r.returncode == 0 and "stats" in r.stdout and "show" in r.stdout


def test_user_mistake_is_one_line_without_traceback(tmp_path):
    r = platekit("data", "stats", "/nonexistent")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == ["platekit: error: /nonexistent: no such file or directory"]
    assert "Traceback" not in r.stderr + r.stdout
    bad = tmp_path / "labels.csv"
    bad.write_text("path,text\na.png,X371HK96\n")
    r = platekit("data", "stats", str(bad))
    assert r.returncode == 2 and r.stderr.startswith("platekit: error: ") and len(r.stderr.strip().splitlines()) == 1
    assert "labels.csv:1: missing column 'image_path'" in r.stderr


def test_data_stats_does_not_import_torch(tmp_path):
    (tmp_path / "l.csv").write_text("image_path,plate_text\na.png,X371HK96\n")
    code = (
        "import sys\nfrom platekit.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')"
    )
    r = platekit("data", "stats", str(tmp_path / "l.csv"), code=code)
    assert "plates          1" in r.stdout and r.stdout.strip().endswith("NO-TORCH"), r.stdout + r.stderr
