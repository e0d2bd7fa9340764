"""The wheel's contents. `pyproject.toml` holds the metadata; this adds the files that stay
at the top of the repository (the design card's layout) to the package, so an installed
portal has them as `portal/templates`, `portal/static` and `portal/migrations`, and
`portal.bundled()` finds them in either place."""

from setuptools import find_packages, setup

BUNDLED = {"portal.templates": "templates", "portal.static": "static",
           "portal.migrations": "migrations"}

setup(
    packages=[*find_packages(include=["portal", "portal.*"]), *BUNDLED],
    package_dir=BUNDLED,
    package_data={
        "portal.templates": ["*.html", "**/*.html", "**/*.xml"],
        "portal.static": ["**/*.css", "**/*.js", "**/*.png", "**/*.svg", "**/*.ico",
                          "**/*.woff2", "vendor/*/LICENSE*"],
        "portal.migrations": ["alembic.ini", "script.py.mako", "README", "versions/*.py"],
        "portal.demo": ["data/*.txt"],
    },
    exclude_package_data={"": ["__pycache__/*", "*.pyc"]},
)
