"""What the box remembers about itself across restarts: the supervision state of its devices
(``store.py``, all its SQL), so a restart neither forgets an outage it already reported nor
reports it a second time.

What it may import: ``anju_common``; ``store.py`` nothing of the edge. ``keeper.py`` saves
what changed, given the registry's ``changed`` as a callable.
"""
