"""Interactions: logging, editing, deleting, and the derived last_contacted_at on every write path."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kelu.activities import selectors, services
from kelu.activities.models import Activity
from kelu.customers import services as customer_services
from kelu.customers.models import Customer
from kelu.quality import services as quality


def _log(actor, customer, when, kind="call", **values):
    return services.activity_create(
        actor=actor, customer=customer, values={"kind": kind, "occurred_at": when, **values}
    )


def _last_contacted(customer):
    return Customer.objects.get(pk=customer.pk).last_contacted_at


def test_logging_an_interaction_updates_last_contacted_at(owner, customer, clock):
    assert _last_contacted(customer) is None
    when = clock.now() - timedelta(hours=2)
    activity = _log(owner, customer, when, direction="outbound", duration_seconds=300, outcome="connected")
    assert _last_contacted(customer) == when
    assert (activity.author, activity.duration, activity.outcome) == (owner, timedelta(minutes=5), "connected")


def test_deleting_an_interaction_recomputes_last_contacted_at(owner, customer, clock):
    earlier = _log(owner, customer, clock.now() - timedelta(days=3))
    latest = _log(owner, customer, clock.now() - timedelta(days=1), kind="visit", place="客户公司")
    assert _last_contacted(customer) == latest.occurred_at
    services.activity_delete(actor=owner, activity=latest)
    assert _last_contacted(customer) == earlier.occurred_at
    services.activity_delete(actor=owner, activity=earlier)
    assert _last_contacted(customer) is None


def test_moving_an_interactions_time_recomputes_last_contacted_at(owner, customer, clock):
    activity = _log(owner, customer, clock.now() - timedelta(days=1))
    older = clock.now() - timedelta(days=10)
    services.activity_update(actor=owner, activity=activity, values={"occurred_at": older})
    assert _last_contacted(customer) == older


def test_a_note_is_not_contact(owner, customer, clock):
    _log(owner, customer, clock.now(), kind="note", notes="客户预算紧张")
    assert _last_contacted(customer) is None


def test_a_transaction_keeps_its_decimal_amount_and_currency(owner, customer, clock):
    activity = _log(owner, customer, clock.now(), kind="transaction", amount="12000.5")
    activity.refresh_from_db()
    assert (activity.amount, activity.currency) == (Decimal("12000.50"), "CNY")
    with pytest.raises(ValidationError) as error:
        _log(owner, customer, clock.now(), kind="transaction")
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _log(owner, customer, clock.now(), kind="transaction", amount="1", currency="元元")
    assert "currency" in error.value.message_dict


def test_every_problem_is_reported_at_once_and_nothing_is_written(owner, customer, clock):
    with pytest.raises(ValidationError) as error:
        _log(owner, customer, clock.now() + timedelta(days=1), kind="call", direction="sideways", outcome="maybe")
    assert set(error.value.message_dict) == {"occurred_at", "direction", "outcome"}
    assert not Activity.objects.exists()


def test_a_contact_brings_its_customer_and_another_customers_contact_is_refused(owner, customer, clock):
    zhang = customer.contacts.get(name="张伟")
    activity = services.activity_create(actor=owner, contact=zhang, values={"kind": "call"})
    assert activity.customer == customer and activity.occurred_at is not None
    other = customer_services.customer_create(actor=owner, values={"name": "另一家公司"})
    with pytest.raises(ValidationError):
        services.activity_create(actor=owner, customer=other, contact=zhang, values={"kind": "call"})


def test_only_the_author_or_a_manager_changes_an_interaction(owner, teammate, manager, customer, clock):
    customer_services.customer_share(actor=owner, customer=customer, user=teammate, can_edit=True)
    activity = _log(teammate, customer, clock.now())
    assert services.may_change(teammate, activity) and services.may_change(manager, activity)
    assert not services.may_change(owner, activity)  # the owner is sales: not their entry
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=owner, activity=activity, values={"subject": "改"})
    services.activity_update(actor=manager, activity=activity, values={"subject": "经理补充"})
    services.activity_delete(actor=manager, activity=activity)
    assert not Activity.objects.exists()


def test_viewers_and_outsiders_cannot_log(viewer, outsider, customer):
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            services.activity_create(actor=user, customer=customer, values={"kind": "call"})


def test_merging_customers_moves_interactions_and_recomputes(owner, customer, clock):
    twin = customer_services.customer_create(actor=owner, values={"name": "上海星辰科技"})
    latest = _log(owner, twin, clock.now() - timedelta(hours=1))
    _log(owner, customer, clock.now() - timedelta(days=2))
    merge = quality.customers_merge(actor=owner, survivor=customer, others=[twin])
    assert _last_contacted(customer) == latest.occurred_at
    assert set(Activity.objects.values_list("customer", flat=True)) == {customer.pk}
    quality.merge_undo(actor=owner, merge=merge)
    assert _last_contacted(twin) == latest.occurred_at
    assert _last_contacted(customer) == latest.occurred_at - timedelta(days=2) + timedelta(hours=1)


def test_purging_a_customer_removes_its_interactions(owner, admin, customer, clock):
    _log(owner, customer, clock.now())
    customer_services.customer_delete(actor=owner, customer=customer)
    customer_services.customer_purge(actor=admin, customer=Customer.objects.get(pk=customer.pk))
    assert not Activity.objects.exists()


def test_interactions_of_a_trashed_customer_are_hidden(owner, customer, clock):
    _log(owner, customer, clock.now())
    assert selectors.activities_visible_to(owner).count() == 1
    customer_services.customer_delete(actor=owner, customer=customer)
    assert selectors.activities_visible_to(owner).count() == 0


def test_not_contacted_for_n_days_filter(owner, customer, clock):
    recent = customer_services.customer_create(actor=owner, values={"name": "最近联系的公司"})
    stale = customer_services.customer_create(actor=owner, values={"name": "很久没联系的公司"})
    _log(owner, recent, clock.now() - timedelta(days=3))
    _log(owner, stale, clock.now() - timedelta(days=40))
    found = selectors.customers_not_contacted_for(Customer.objects.all(), days=30)
    assert set(found.values_list("name", flat=True)) == {"很久没联系的公司", "上海星辰科技有限公司"}
    clock.advance(timedelta(days=28))
    found = selectors.customers_not_contacted_for(Customer.objects.filter(pk=recent.pk), days=30)
    assert found.count() == 1


def test_purging_a_standalone_contact_takes_its_interactions_but_a_customers_stay(owner, admin, customer, clock):
    loner = customer_services.contact_create(actor=owner, customer=None, values={"name": "独立联系人"})
    services.activity_create(actor=owner, contact=loner, values={"kind": "wechat"})
    zhang = customer.contacts.get(name="张伟")
    kept = services.activity_create(actor=owner, contact=zhang, values={"kind": "call"})
    for contact in (loner, zhang):
        customer_services.contact_delete(actor=owner, contact=contact)
    from kelu.customers.models import Contact

    for contact in Contact.objects.filter(pk__in=[loner.pk, zhang.pk]):
        contact.delete()  # what the trash purge does
    assert list(Activity.objects.all()) == [kept]
    kept.refresh_from_db()
    assert kept.contact is None and kept.customer == customer
