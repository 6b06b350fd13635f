"""``python -m anju`` is the same as the ``anju`` command."""

from anju.cli import main

main()
