"""What a precinct gets and keeps: signed webhooks for every new alert (``link``) and the
watch lists its officers maintain (``watchlists``: who may see, add and remove entries), and the
GA/T 1400 (视图库) link to its upper system (``viid_*``: session, object upload queue, config,
CLI).

May import: ``anju_contracts``, ``anju_common``, ``anju_gateway.store``, ``access`` and the
plumbing modules (settings, clock, metrics, events). Never ``api`` or ``web``
(``viid_cli`` borrows the gateway CLI's database opener, lazily).
"""
