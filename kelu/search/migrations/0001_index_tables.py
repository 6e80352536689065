"""The index tables (an FTS5 virtual table on SQLite, a tsvector table with a GIN index on PostgreSQL), filled with
the records that exist already.

The fill uses the live models: kelu.search.index reads only columns that exist from customers 0003 on.
"""

from django.db import migrations, models


def create(apps, schema_editor):
    from kelu.search import index
    from kelu.search.engines import engine_for

    engine_for(schema_editor.connection).create()
    index.rebuild()


def drop(apps, schema_editor):
    from kelu.search.engines import engine_for

    engine_for(schema_editor.connection).drop()


def document(name, table):
    return migrations.CreateModel(
        name=name,
        fields=[
            ("id", models.BigIntegerField(db_column="rowid", primary_key=True, serialize=False)),
            ("tokens", models.TextField()),
        ],
        options={"db_table": table},
    )


class Migration(migrations.Migration):
    initial = True
    dependencies = [("customers", "0003_customer_share")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                document("CustomerDocument", "search_customer_index"),
                document("ContactDocument", "search_contact_index"),
            ],
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
        )
    ]
