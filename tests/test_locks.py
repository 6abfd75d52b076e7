"""The lock files agree with pyproject.toml and with each other."""

import re
import tomllib

from .conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", re.MULTILINE)


def pins(text):
    return {
        re.sub(r"\[.*\]", "", name).lower().replace("_", "-"): version for name, version in PIN.findall(text)
    }


def test_locks_hold_every_pinned_dependency_at_its_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    production = pins((ROOT / "requirements.lock").read_text())
    development = pins((ROOT / "requirements-dev.lock").read_text())
    benchmark = pins((ROOT / "requirements-bench.lock").read_text())
    assert pins("\n".join(project["dependencies"])).items() <= production.items()
    assert pins("\n".join(project["optional-dependencies"]["dev"])).items() <= development.items()
    assert pins("\n".join(project["optional-dependencies"]["bench"])).items() <= benchmark.items()
    assert production.items() <= development.items() <= benchmark.items()


def test_the_installers_lock_holds_uv_alone():
    # bin/bootstrap installs it with pip, before uv installs the other locks.
    assert pins((ROOT / "requirements-uv.lock").read_text()).keys() == {"uv"}
