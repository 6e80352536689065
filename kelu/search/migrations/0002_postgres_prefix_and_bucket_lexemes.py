"""PostgreSQL: add the prefix and id-bucket lexemes (kelu.search.engines.PostgresEngine) to the stored documents.

Copied in SQL from the lexemes already stored into a fresh table, whose GIN index is built once at the end: much
faster than updating every row under the index, and it leaves no dead rows behind. SQLite's FTS5 keeps a prefix
index of its own and needs nothing.
"""

from django.db import migrations

OUR_LEXEMES = "ARRAY(SELECT lexeme FROM unnest(tsvector_to_array(tokens)) AS lexeme WHERE lexeme ~ '^[^*~]+$')"


def rewrite(apps, schema_editor, *, with_extras=True):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from kelu.search.engines import ENTITIES, PostgresEngine, table

    engine = PostgresEngine()
    document = engine.document_sql(OUR_LEXEMES, "rowid") if with_extras else f"array_to_tsvector({OUR_LEXEMES})"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for entity in ENTITIES:
            name = table(entity)
            cursor.execute(f"ALTER TABLE {name} RENAME TO {name}_old")
            cursor.execute(f"ALTER INDEX {name}_tokens RENAME TO {name}_old_tokens")
            cursor.execute(f"ALTER INDEX {name}_pkey RENAME TO {name}_old_pkey")
        engine.create()
        for entity in ENTITIES:
            name = table(entity)
            cursor.execute(f"DROP INDEX {name}_tokens")
            cursor.execute(f"INSERT INTO {name} (rowid, tokens) SELECT rowid, {document} FROM {name}_old")  # noqa: S608
            cursor.execute(f"DROP TABLE {name}_old")
        engine.create()  # the GIN indexes, built once


def strip(apps, schema_editor):
    rewrite(apps, schema_editor, with_extras=False)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index_tables")]

    operations = [migrations.RunPython(rewrite, strip, elidable=False)]
