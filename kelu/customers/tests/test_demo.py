import json
from datetime import timedelta

import phonenumbers
import pytest
from django.db import connection
from django.utils import timezone

from kelu.accounts.services import user_create
from kelu.cli import main
from kelu.customers import custom_fields, demo
from kelu.customers.models import ChoiceOption, Contact, ContactPoint, Customer, FieldDefinition
from kelu.customers.normalization import contact_name_fields, name_fields, normalize_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def sellers(db):
    """Two users who may own customers, and two who may not while sellers exist."""
    sales = user_create(username="sally", role="sales", teams=["华东", "A组"])[0]
    manager = user_create(username="manny", role="manager")[0]
    user_create(username="vera", role="viewer", teams=["华东"])
    user_create(username="root", role="admin")
    return sales, manager


def test_customers_get_valid_phones_and_the_stored_forms_of_the_services(sellers):
    result = demo.generate(customers=50, seed=1)

    assert result.customers == Customer.objects.count() == 50
    assert result.contacts == Contact.objects.count()
    assert result.points == ContactPoint.objects.count()
    for customer in Customer.objects.all():
        assert name_fields(customer.name) == {
            "name": customer.name,
            "name_pinyin": customer.name_pinyin,
            "name_initials": customer.name_initials,
        }
        assert customer.name_pinyin
    for contact in Contact.objects.all():
        assert contact_name_fields(contact.name) == {
            "name": contact.name,
            "name_pinyin": contact.name_pinyin,
            "name_initials": contact.name_initials,
            "sort_letter": contact.sort_letter,
        }
    phones = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE)
    assert phones.exists()
    for point in ContactPoint.objects.all():
        real = normalize_point(point.kind, point.value)
        assert (point.value, point.normalized, point.is_valid, point.problem) == (
            real.value,
            real.normalized,
            real.is_valid,
            real.problem,
        )
    for point in phones:
        assert point.is_valid and point.normalized.startswith("+86")
        assert phonenumbers.is_valid_number(phonenumbers.parse(point.normalized))


def test_an_individual_has_one_primary_contact_with_its_name(sellers):
    demo.generate(customers=50, seed=2)

    individuals = Customer.objects.filter(kind=Customer.Kind.INDIVIDUAL).prefetch_related("contacts", "points")
    assert individuals.exists()
    for customer in individuals:
        contacts = list(customer.contacts.all())
        assert [(c.name, c.is_primary) for c in contacts] == [(customer.name, True)]
        assert not customer.points.all()  # an individual's points belong to its contact
    for customer in Customer.objects.filter(kind=Customer.Kind.COMPANY).prefetch_related("contacts"):
        contacts = list(customer.contacts.all())
        assert 1 <= len(contacts) <= 3
        assert sum(c.is_primary for c in contacts) == 1


def test_owners_are_sellers_or_nobody_and_teams_follow_the_owner(sellers):
    sales, manager = sellers
    demo.generate(customers=50, seed=3)

    first_team = {sales.pk: sales.teams.first().pk, manager.pk: None}
    for customer in Customer.objects.all():
        assert customer.owner_id in (sales.pk, manager.pk, None)
        assert customer.team_id == (first_team[customer.owner_id] if customer.owner_id else None)
    assert not Contact.objects.filter(owner__isnull=False).exists()


def test_without_sellers_any_user_may_own(db):
    admin = user_create(username="root", role="admin")[0]
    demo.generate(customers=30, seed=4)
    assert set(Customer.objects.values_list("owner_id", flat=True)) <= {admin.pk, None}


def test_values_are_options_regions_and_custom_fields_the_forms_accept(sellers):
    result = demo.generate(customers=50, seed=5)

    assert sorted(result.fields_created) == ["annual_revenue", "contract_expiry", "key_account"]
    assert FieldDefinition.objects.filter(show_in_list=True).exists()
    options = {(o.field, o.key) for o in ChoiceOption.objects.filter(is_active=True)}
    regions = {(province, city): districts for province, city, _code, districts, _w in demo.REGIONS}
    now = timezone.now()
    filled = 0
    for customer in Customer.objects.all():
        for field in ("level", "stage", "source", "industry"):
            value = getattr(customer, field)
            assert not value or (field, value) in options
        assert customer.district in regions[customer.province, customer.city]
        assert now - timedelta(days=3 * 365 + 1) <= customer.created_at <= customer.updated_at <= now
        assert custom_fields.clean_custom_values(FieldDefinition.Entity.CUSTOMER, customer.custom) == customer.custom
        filled += bool(customer.custom)
    assert filled
    assert Customer.tags.through.objects.exists()
    assert not Customer.history.exists()  # bulk demo data has no history


def test_a_second_run_adds_to_existing_data_without_reusing_ids(sellers):
    demo.generate(customers=10, seed=6)
    last = Customer.objects.latest("pk")
    Customer.objects.filter(pk=last.pk).delete()

    demo.generate(customers=10, seed=6)

    assert Customer.objects.count() == 19
    assert Customer.objects.order_by("pk")[9].pk > last.pk


def test_the_same_seed_gives_the_same_data_also_from_a_helper_process(sellers, monkeypatch):
    monkeypatch.setattr(demo, "BATCH", 20)
    plan, _created = demo.make_plan(50, seed=7)

    in_process = list(demo._batches(plan, helpers=0))
    forked = list(demo._batches(plan, helpers=1))

    assert len(in_process) == 3
    assert forked == in_process


def test_the_command_prints_one_json_object(sellers, capsys):
    assert main(["demo", "--customers", "5", "--seed", "8", "--json"]) == 0

    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["customers"] == 5
    assert data["contacts"] >= 5
    assert data["points"] == ContactPoint.objects.count()
    assert isinstance(data["seconds"], float)


def test_the_command_refuses_no_customers(db, capsys):
    assert main(["demo", "--customers", "0", "--json"]) == 1
    assert "error" in json.loads(capsys.readouterr().out)


@pytest.mark.django_db(transaction=True)
def test_a_run_leaves_the_planner_statistics_fresh_and_postgresql_vacuumed():
    demo.generate(customers=20, seed=3)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'customers_customer'"
            )
            assert cursor.fetchone() == (True, True)
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
            assert cursor.fetchone()[0] > 0
