"""The camera path: latest-frame slots -> decode and mask -> detector -> tracker -> camera rules
(zones, armed schedules) -> an annotated thumbnail -> the alert sink. ``sources/`` pulls frames
from RTSP streams and HTTP snapshot cameras into the same slots and supervises them.

What it may import: ``anju_contracts``, ``anju_common``, the edge's ``detect`` library,
``config``, ``alerts`` and ``metrics``. Never ``gate``, ``delivery``, ``console``, ``devices``
or ``service``: the sources' supervision is handed the device registry by the service (typed by
the ``DeviceStates`` protocol).
"""
