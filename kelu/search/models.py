"""The index tables, declared to Django so that it knows them (a test database flush empties them with the records);
they are created by the engines in the migration (an FTS5 virtual table on SQLite) and written only through
kelu.search.engines, never through these models."""

from django.db import models


class IndexDocument(models.Model):
    id = models.BigIntegerField(primary_key=True, db_column="rowid")  # the customer's or contact's id
    tokens = models.TextField()  # a tsvector on PostgreSQL

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.pk)


class CustomerDocument(IndexDocument):
    class Meta:
        db_table = "search_customer_index"


class ContactDocument(IndexDocument):
    class Meta:
        db_table = "search_contact_index"
