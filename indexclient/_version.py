"""The one place the version is written: the package, the build and the memo's keys
read it from here."""

__version__ = "0.1.0"
