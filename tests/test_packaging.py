"""Packaging: one ``adrs`` namespace over the design-card folders, from a wheel and an editable install."""

import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ["adrs", "adrs.envs", "adrs.envs.spot", "adrs.simulators", "adrs.simulators.spot", "adrs.evolve",
               "adrs.evolve.generators", "adrs.traces", "adrs.traces.spot", "adrs.holdout", "adrs.holdout.spot"]
CHECK = textwrap.dedent(f"""
    import importlib, sys
    for name in {SUBPACKAGES!r}:
        importlib.import_module(name)
    import adrs
    from adrs.traces.spot.embedded import load_embedded
    assert load_embedded("single", "train").n_traces > 0 and load_embedded("multi", "holdout").n_traces > 0
    # the prompt templates are package data, read through importlib.resources
    from importlib import resources
    from adrs.evolve.prompt import TEMPLATE_ID, load_template
    assert resources.files("adrs.evolve").joinpath("templates", TEMPLATE_ID + ".txt").is_file()
    assert load_template().n_variants >= 2
    for bad in ("envs", "simulators", "evolve", "traces", "holdout"):
        try:
            importlib.import_module(bad)
        except ModuleNotFoundError:
            pass
        else:
            sys.exit("a generic top-level module {{}} is importable".format(bad))
    print(adrs.__file__)
""")


def test_editable_or_installed_import_works_from_any_directory(tmp_path):
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_wheel_installs_into_fresh_venv_and_imports_every_subpackage(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("adrs-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    py = venv / "bin" / "python"
    # dependencies come from this environment (a plain path entry: its .pth hooks, such as an editable
    # adrs, are not run); adrs itself only from the wheel
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True, capture_output=True)
    out = subprocess.run([str(py), "-c", CHECK], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(site), out.stdout
    cli = subprocess.run([str(venv / "bin" / "adrs"), "envs"], cwd=tmp_path, capture_output=True, text=True)
    assert cli.returncode == 0 and "cant-be-late" in cli.stdout
