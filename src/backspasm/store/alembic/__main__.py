"""``python -m backspasm.store.alembic 0007_what_it_does "What it does"``: draft the next
revision (see :func:`backspasm.store.schema.new_revision`)."""

import sys

from backspasm.store.schema import new_revision

if len(sys.argv) != 3:
    sys.exit('usage: python -m backspasm.store.alembic 0007_what_it_does "What it does"')
print(new_revision(sys.argv[1], sys.argv[2]))
