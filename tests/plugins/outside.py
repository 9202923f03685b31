"""Building throwaway outside plugins as real distributions, installed with pip into a folder.

Each plugin gets its own pyproject.toml and module. The build backend is a few lines written
next to them (PEP 517 `backend-path`), so that `pip install --no-build-isolation` needs neither
the network nor a particular setuptools: the test exercises pip, the dist-info metadata and the
entry point exactly as an outside vendor's package would, and nothing else.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

BACKEND = '''
"""A minimal PEP 517 backend: one module, its entry points, nothing else."""
import base64, hashlib, tomllib, zipfile
from pathlib import Path


def _meta():
    data = tomllib.loads(Path("pyproject.toml").read_text())
    return data["project"], data["tool"]["backend"]["module"]


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project, module = _meta()
    dist = project["name"].replace("-", "_")
    version = project["version"]
    info = f"{dist}-{version}.dist-info"
    name = f"{dist}-{version}-py3-none-any.whl"
    groups = project.get("entry-points", {})
    entry_points = ""
    for group, items in groups.items():
        entry_points += f"[{group}]\\n" + "".join(f"{k} = {v}\\n" for k, v in items.items())
    files = {f"{module}.py": Path(f"{module}.py").read_bytes()}
    metadata = f"Metadata-Version: 2.1\\nName: {project['name']}\\nVersion: {version}\\n"
    files[f"{info}/METADATA"] = metadata.encode()
    wheel = "Wheel-Version: 1.0\\nGenerator: backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files[f"{info}/WHEEL"] = wheel.encode()
    files[f"{info}/entry_points.txt"] = entry_points.encode()
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\\n".join(record) + "\\n").encode()
    with zipfile.ZipFile(Path(wheel_directory) / name, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
    return name
'''


def make_plugin(root: Path, distribution: str, module: str, entry_point: str, source: str) -> Path:
    """A plugin project folder: pyproject.toml, its module, and the tiny build backend."""
    folder = root / distribution
    folder.mkdir(parents=True)
    (folder / "backend.py").write_text(BACKEND)
    (folder / f"{module}.py").write_text(textwrap.dedent(source))
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = []
            build-backend = "backend"
            backend-path = ["."]

            [project]
            name = "{distribution}"
            version = "0.0.1"

            [project.entry-points.hub]
            {entry_point} = "{module}"

            [tool.backend]
            module = "{module}"
            """
        )
    )
    return folder


def pip_install(project: Path, target: Path) -> None:
    """`python -m pip install --no-deps --no-build-isolation --target <target> <project>`."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--target",
            str(target),
            str(project),
        ],
        check=True,
        capture_output=True,
    )
