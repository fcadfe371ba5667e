"""What pyproject.toml cannot state: the compiled tree walks and where the migrations go.

The extension is optional: without a C compiler the install still succeeds and
extraction runs the same walks in Python (``crawler/extract/speedups.py``). The
Alembic scripts travel inside the wheel as ``storage/_alembic`` (``storage/migrate.py``).
"""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

MIGRATIONS = {"storage._alembic": "alembic", "storage._alembic.versions": "alembic/versions"}

TREEWALK = Extension(
    "crawler.extract._treewalk",
    ["crawler/extract/_treewalk.pyx"],
    include_dirs=lxml.get_include(),
)
extensions = cythonize([TREEWALK], language_level=3)
for extension in extensions:
    extension.optional = True  # set after cythonize, which does not carry it over

setup(
    packages=[
        *find_packages(include=["wirewatch*", "crawler*", "storage*", "scheduler*"]),
        *MIGRATIONS,
    ],
    package_dir=MIGRATIONS,
    ext_modules=extensions,
)
