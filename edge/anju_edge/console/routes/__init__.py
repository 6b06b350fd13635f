"""The gate console's HTTP routes, one module per screen: login, alerts, gates (log, devices,
remote opening), visitors and the live feed. Each route is a plain function that is given the
:class:`~anju_edge.console.context.ConsoleContext` and the logged-in user as dependencies."""
