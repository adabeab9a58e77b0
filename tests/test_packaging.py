"""The wheel holds every package directory under one import package, ``segment``."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLED_AS = {"segment": "segment", "models": "segment/models", "eval": "segment/eval",
                "corpora": "segment/corpora"}


def package_dirs():
    for top, target in INSTALLED_AS.items():
        for init in sorted((ROOT / top).rglob("__init__.py")):
            rel = init.parent.relative_to(ROOT / top)
            yield (Path(target) / rel / "__init__.py").as_posix()


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (wheel,) = out.glob("act_segment-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_every_package_directory_is_in_the_wheel(wheel_names):
    missing = [p for p in package_dirs() if p not in wheel_names]
    assert not missing, f"add these packages to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_no_generic_top_level_modules(wheel_names):
    tops = {name.split("/")[0] for name in wheel_names if not name.startswith("act_segment-")}
    assert tops == {"segment"}, tops


def test_console_script_declared(wheel_names):
    entry = [n for n in wheel_names if n.endswith("entry_points.txt")]
    assert entry, "no entry_points.txt in the wheel"


def test_shipped_data_is_in_the_wheel(wheel_names):
    from segment.shipped import MODELS_DATA, SHIPPED_MODELS

    shipped = {"segment/corpora/samples/ATTRIBUTION.md"} | {
        f"segment/models_data/{path.relative_to(MODELS_DATA).as_posix()}"
        for model in SHIPPED_MODELS.values() if model.is_dir() for path in model.rglob("*") if path.is_file()}
    assert {"segment/models_data/default/model.safetensors", "segment/models_data/default/readout-word.json"} <= shipped
    assert shipped <= wheel_names, shipped - wheel_names
