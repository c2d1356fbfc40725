"""The package installs with pip from the source folder, offline, into a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


class InstallTests(unittest.TestCase):
    def test_pip_installs_the_package_without_a_package_index(self) -> None:
        with tempfile.TemporaryDirectory() as temp:
            venv = Path(temp) / "venv"
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
            python = venv / "bin" / "python"
            # --no-index: any attempt to fetch a build dependency (setuptools, say) would fail the install.
            install = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-cache-dir",
                                      str(PROJECT)], capture_output=True, text=True, cwd=temp)
            self.assertEqual(0, install.returncode, install.stdout + install.stderr)

            probe = subprocess.run(
                [str(python), "-c", "import gilmour_proxy, pathlib; "
                 "print(pathlib.Path(gilmour_proxy.__file__).parent.joinpath('py.typed').exists()); "
                 "print(gilmour_proxy.Node.__name__, gilmour_proxy.Sender.__name__)"],
                capture_output=True, text=True, cwd=temp)
            self.assertEqual(0, probe.returncode, probe.stderr)
            self.assertEqual(["True", "Node Sender"], probe.stdout.split("\n")[:2])
            self.assertIn(str(venv), subprocess.run(
                [str(python), "-c", "import gilmour_proxy; print(gilmour_proxy.__file__)"],
                capture_output=True, text=True, cwd=temp).stdout)

    def test_the_wheel_holds_the_package_its_type_marker_and_its_metadata(self) -> None:
        sys.path.insert(0, str(PROJECT / "build_backend"))
        try:
            import gilmour_build  # pyright: ignore[reportMissingImports]
        finally:
            sys.path.pop(0)
        with tempfile.TemporaryDirectory() as temp:
            name = gilmour_build.build_wheel(temp)
            with zipfile.ZipFile(Path(temp) / name) as wheel:
                names = set(wheel.namelist())
                metadata = wheel.read("gilmour_proxy-0.1.0.dist-info/METADATA").decode()

        self.assertEqual("gilmour_proxy-0.1.0-py3-none-any.whl", name)
        self.assertTrue({"gilmour_proxy/__init__.py", "gilmour_proxy/py.typed", "gilmour_proxy/stream.py",
                         "gilmour_proxy-0.1.0.dist-info/RECORD"} <= names, names)
        self.assertFalse([n for n in names if "__pycache__" in n or n.startswith("tests/")])
        self.assertIn("Requires-Python: >=3.9", metadata)


if __name__ == "__main__":
    unittest.main()
