"""Browser code we serve but did not write: each vendored file under static/vendor/ is the
npm package's own file at the version package-lock.json pins, byte for byte, so the copy
can neither drift from the lock nor be edited by hand."""

from __future__ import annotations

import json

import pytest

from portal import PROJECT_ROOT

# static/vendor/<name>/<file> ← node_modules/<package>/<path in the package>
VENDORED = {
    "jodit": ("jodit", {"jodit.min.js": "es2021/jodit.min.js",
                        "jodit.min.css": "es2021/jodit.min.css",
                        "LICENSE.txt": "LICENSE.txt"}),
}
VENDOR = PROJECT_ROOT / "static" / "vendor"
NODE_MODULES = PROJECT_ROOT / "node_modules"


def _locked_version(package: str) -> str:
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text("utf-8"))
    return lock["packages"][f"node_modules/{package}"]["version"]


def test_every_vendored_folder_is_listed():
    assert sorted(p.name for p in VENDOR.iterdir() if p.is_dir()) == sorted(VENDORED)
    for name, (_package, files) in VENDORED.items():
        assert sorted(p.name for p in (VENDOR / name).iterdir()) == sorted(files)


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_vendored_package_is_pinned_exactly(name):
    package, _files = VENDORED[name]
    pinned = json.loads((PROJECT_ROOT / "package.json").read_text("utf-8"))["devDependencies"]
    assert pinned[package] == _locked_version(package)  # an exact version, no range


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_vendored_files_are_the_locked_packages_files(name):
    package, files = VENDORED[name]
    installed = NODE_MODULES / package
    if not (installed / "package.json").is_file():
        pytest.skip(f"node_modules/{package} is not installed (npm ci --ignore-scripts)")
    version = json.loads((installed / "package.json").read_text("utf-8"))["version"]
    if version != _locked_version(package):
        pytest.skip(f"node_modules/{package} is {version}, not the locked version: run npm ci")
    for served, source in files.items():
        assert (VENDOR / name / served).read_bytes() == (installed / source).read_bytes(), \
            f"static/vendor/{name}/{served} differs from {package}@{version}/{source}"
