"""The index tables (an FTS5 virtual table on SQLite, a tsvector table with a GIN index on PostgreSQL), filled with
the records that exist already.

The fill uses the live models: kelu.search.index reads only columns that exist from customers 0003 on.
"""

from django.db import migrations


def create(apps, schema_editor):
    from kelu.search import index
    from kelu.search.engines import engine_for

    engine_for(schema_editor.connection).create()
    index.rebuild()


def drop(apps, schema_editor):
    from kelu.search.engines import engine_for

    engine_for(schema_editor.connection).drop()


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_share")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
