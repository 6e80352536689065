import pytest
from rest_framework.test import APIClient

from kelu.accounts.services import user_create
from kelu.customers import services


@pytest.fixture
def alice(db):
    """A sales user of team 华东 who owns the records under test."""
    return user_create(username="alice", role="sales", teams=["华东"])[0]


@pytest.fixture
def bob(db):
    """A sales user of another team: an outsider to alice's records."""
    return user_create(username="bob", role="sales", teams=["华南"])[0]


@pytest.fixture
def vera(db, alice):
    """A viewer in alice's team."""
    return user_create(username="vera", role="viewer", teams=["华东"])[0]


@pytest.fixture
def root(db):
    return user_create(username="root", role="admin")[0]


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def customer(alice):
    """A company of alice's with a main line and two contacts."""
    return services.customer_create(
        actor=alice,
        values={"name": "北京鑫淼科技有限公司", "level": "a"},
        tags=["VIP"],
        points=[{"kind": "phone", "value": "010-6552 9988"}],
        contacts=[
            {"values": {"name": "张伟", "title": "总经理"}, "points": [{"kind": "phone", "value": "13800138000"}]},
            {"values": {"name": "Emily Chen"}, "points": [{"kind": "email", "value": "Emily@Example.com"}]},
        ],
    )
