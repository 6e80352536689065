from datetime import timedelta

import pytest
from django.utils import timezone

from kelu.core.schedule import ensure_recurring_tasks
from kelu.customers import services
from kelu.customers.models import Contact, Customer
from kelu.customers.tasks import purge_trash

pytestmark = pytest.mark.django_db


def test_purge_removes_only_what_stayed_in_the_trash_too_long(alice, customer, settings):
    settings.KELU_TRASH_DAYS = 30
    recent = services.customer_create(actor=alice, values={"name": "刚删除"})
    services.customer_delete(actor=alice, customer=customer)
    services.customer_delete(actor=alice, customer=recent)
    Customer.objects.filter(pk=customer.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    Customer.objects.filter(pk=recent.pk).update(deleted_at=timezone.now() - timedelta(days=29))

    result = purge_trash.enqueue()

    assert result.return_value == 1
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Contact.objects.filter(customer_id=customer.pk).exists()
    assert Customer.objects.filter(pk=recent.pk).exists()


def test_living_records_are_never_purged(alice, customer):
    Customer.objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert services.trash_purge_expired(days=0) == 0
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_starting_worker_queues_the_daily_purge(db):
    assert purge_trash.name in ensure_recurring_tasks()
