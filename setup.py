"""Maps the design-card folders onto the single ``adrs`` namespace.

``envs/`` installs as ``adrs.envs``, ``simulators/`` as ``adrs.simulators`` and so on; the core
(registry, CLI) lives in ``src/adrs`` so that a checkout's root never shadows the installed package.
"""

from setuptools import find_packages, setup

ROOTS = {
    "adrs": "src/adrs",
    "adrs.envs": "envs",
    "adrs.simulators": "simulators",
    "adrs.evolve": "evolve",
    "adrs.traces": "traces",
    "adrs.holdout": "holdout",
}

packages: list[str] = []
package_dir: dict[str, str] = {}
for name, path in ROOTS.items():
    packages.append(name)
    package_dir[name] = path
    for sub in find_packages(path):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{path}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
