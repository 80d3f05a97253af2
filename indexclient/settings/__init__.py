"""Settings, each value remembering where it came from.

Arguments > environment > configuration files > defaults; :class:`Settings` holds the
result. ``settings.files`` reads and writes uv's configuration files.
"""

from indexclient.settings.environment import ENV_VARS
from indexclient.settings.load import IndexSpec, Origin, Settings, Value, parse_bool

__all__ = ["ENV_VARS", "IndexSpec", "Origin", "Settings", "Value", "parse_bool"]
