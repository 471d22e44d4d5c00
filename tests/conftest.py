import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("alice", "alice@example.com", "pw")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("staff", "staff@example.com", "pw", is_staff=True)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")
