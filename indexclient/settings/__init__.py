"""Settings, each value remembering where it came from.

Explicit arguments (the command line, or a library caller) > environment > configuration
files > defaults; :class:`Settings` holds the result. The package's modules, from the
leaf up (each imports only those before it):

- ``values``: :class:`Origin`, :class:`Value`, :class:`IndexSpec`, the rules every value
  follows (uv's boolean words, index URLs, the defaults) and the problem collector;
- ``environment``: reading the environment variables (:data:`ENV_VARS`);
- ``files``: uv's configuration files: discovery, reading, ``config set``;
- ``load``: :class:`Settings`, layering all of the above.
"""

from indexclient.settings.environment import ENV_VARS
from indexclient.settings.load import Settings
from indexclient.settings.values import IndexSpec, Origin, Value, parse_bool

__all__ = ["ENV_VARS", "IndexSpec", "Origin", "Settings", "Value", "parse_bool"]
