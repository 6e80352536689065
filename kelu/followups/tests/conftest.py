from typing import Any

import pytest

from kelu.customers import services as customer_services
from kelu.customers.models import Customer


@pytest.fixture
def customer(owner: Any) -> Customer:
    """The owner's company with two contacts, 张伟 (a mobile) and Emily Chen."""
    return customer_services.customer_create(
        actor=owner,
        values={"name": "上海星辰科技有限公司"},
        contacts=[
            {"values": {"name": "张伟"}, "points": [{"kind": "phone", "value": "13800138000"}]},
            {"values": {"name": "Emily Chen"}, "points": [{"kind": "email", "value": "emily@example.com"}]},
        ],
    )
