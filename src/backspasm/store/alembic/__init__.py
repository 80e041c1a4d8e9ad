"""The Alembic script directory of the diary schema: ``env.py``, ``script.py.mako`` and one
revision per schema step in ``versions/``. :mod:`backspasm.store.schema` runs it."""
