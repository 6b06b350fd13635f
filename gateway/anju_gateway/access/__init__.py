"""Who may see what (``scope``: the one place scoping by precinct and compound is decided) and
secrets (``security``: random tokens stored hashed, argon2 passwords).

May import: ``anju_contracts``, ``anju_gateway.store``. Nothing else of the gateway.
"""
