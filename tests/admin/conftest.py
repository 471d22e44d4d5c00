import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from tests.testapp.models import Car, Cylinder, Engine


def grant(user, *perms):
    """Give ``user`` the permissions named ``app_label.codename``."""
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


@pytest.fixture
def admin_client_for(client, db):
    """Return a client logged in as the given role of the permission matrix."""

    def login(role):
        users = get_user_model().objects
        if role == "anonymous":
            return client
        if role == "active non-staff":
            user = users.create_user("plain", "plain@example.com", "pw")
        elif role == "staff without perms":
            user = users.create_user("clerk", "clerk@example.com", "pw", is_staff=True)
        elif role == "staff with view perm":
            user = users.create_user("viewer", "viewer@example.com", "pw", is_staff=True)
            grant(user, "tsunami.view_event", "testapp.view_car")
        elif role == "superuser":
            user = users.create_superuser("boss", "boss@example.com", "pw")
        else:
            raise ValueError(role)
        client.force_login(user)
        return client

    return login


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def car_with_parts(db):
    """A car whose engine and cylinder declare it as an aggregate."""
    car = Car.objects.create(manufacturer="Volvo")
    engine = Engine.objects.create(car=car)
    cylinder = Cylinder.objects.create(engine=engine)
    return car, engine, cylinder


@pytest.fixture
def users(db):
    """Three users who act in events."""
    return [
        get_user_model().objects.create_user(f"user{i}", "u@example.com", "pw") for i in range(3)
    ]
