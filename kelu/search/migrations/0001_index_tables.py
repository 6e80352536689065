"""The index tables: an FTS5 virtual table on SQLite, a tsvector table with a GIN index on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    from kelu.search.engines import engine_for

    engine_for(schema_editor.connection).create()


def drop(apps, schema_editor):
    from kelu.search.engines import engine_for

    engine_for(schema_editor.connection).drop()


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_share")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
