"""What a precinct gets and keeps: signed webhooks for every new alert (``link``) and the
watch lists its officers maintain (``watchlists``: who may see, add and remove entries).

May import: ``anju_contracts``, ``anju_common``, ``anju_gateway.store``, ``access`` and the
plumbing modules (settings, clock, metrics, events). Never ``api`` or ``web``.
"""
