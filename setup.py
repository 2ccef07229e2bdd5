"""Build hook: the sample data of ``data/sample_boundaries`` into the wheel.

The repository keeps the sample data where the docs, tests and tutorials name it
(``data/sample_boundaries``); a wheel carries a copy as package data,
``landprofile/data/sample/``, found by :func:`landprofile.demo.sample_data_dir`.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSample(build_py):
    """build_py, plus the sample data (not the script that makes it) into the package."""

    def run(self) -> None:  # noqa: D102
        super().run()
        src = Path(__file__).parent / "data" / "sample_boundaries"
        dst = Path(self.build_lib) / "landprofile" / "data" / "sample"
        if not (src / "demo.toml").is_file():  # a wheel without it fails the demo later
            raise SystemExit(f"{src} is missing: the wheel would lack the sample data")
        for f in sorted(src.iterdir()):
            if f.is_file() and f.suffix != ".py":
                self.copy_file(str(f), str(dst / f.name), preserve_mode=False)

    def copy_file(self, infile, outfile, *args, **kwargs):  # noqa: D102
        Path(outfile).parent.mkdir(parents=True, exist_ok=True)
        return super().copy_file(infile, outfile, *args, **kwargs)


setup(cmdclass={"build_py": BuildWithSample})
