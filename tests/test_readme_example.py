"""README.rst's "Testing code that uses dynclient" example, run exactly as written, so that it cannot rot.

The section's Python blocks each start with ``# <file name>``; they are
written to a temporary directory under those names and run there by pytest
in a fresh process (warnings as errors), the way a user would run them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict

ROOT = Path(__file__).resolve().parents[1]
SECTION = "Testing code that uses dynclient"


def readme_files() -> Dict[str, str]:
    """``{file name: source}`` of the section's ``.. code-block:: python`` blocks."""
    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    heading = f"\n{SECTION}\n{'-' * len(SECTION)}\n"
    body = text[text.index(heading) + len(heading):]
    following = re.search(r"\n[^\n]+\n-{3,}\n", body)  # the next section's heading
    section = body[:following.start()] if following else body
    files = {}
    for block in re.finditer(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", section):
        source = "\n".join(line[4:] for line in block.group(1).splitlines()).strip() + "\n"
        name = re.match(r"# (\S+\.py)\n", source)
        assert name, f"a python block in {SECTION!r} does not start with '# <file>.py'"
        files[name.group(1)] = source
    return files


def test_the_section_has_a_function_and_its_test():
    files = readme_files()
    assert set(files) == {"widgets.py", "test_widgets_fake.py", "test_widgets.py"}
    assert "fake_cluster" in files["test_widgets_fake.py"]
    assert "dynclient.connect(" in files["widgets.py"]
    assert "responses" in files["test_widgets.py"] and "assert_all_requests_are_fired=True" in files["test_widgets.py"]


def test_the_readme_example_passes(tmp_path):
    for name, source in readme_files().items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error",
                           "--rootdir", str(tmp_path), str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout  # the FakeCluster test (through the pytest11 plugin) and the responses one
