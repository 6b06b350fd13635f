"""The roof: the ``anju`` command, ``anju demo`` and the broker launcher.

It may import every other package; nothing imports it (tests and benchmarks aside).
"""

from anju_common import __version__

__all__ = ["__version__"]
