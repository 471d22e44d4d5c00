"""Faults while an event is written leave neither the change nor a partial event.

Every operation that records events (save, delete, cascading and queryset deletes, and
many-to-many changes from either side, symmetrical and through models) meets every fault
(the database refusing the event or its aggregates, also only the second of several
events, a raising ``get_event_aggregates()``, a raising listener) inside
``transaction.atomic()``, under ``ATOMIC_REQUESTS``, and in autocommit mode.
"""

import contextlib

import pytest
from django.db import connection, transaction
from django.test import Client

from tests.reliability import faults
from tests.reliability.faults import FAULTS, OPERATIONS, db_state, make_world
from tests.reliability.helpers import assert_every_event_is_whole

pytestmark = pytest.mark.reliability

CASES = [
    pytest.param(operation, fault, id=f"{operation}-{fault}")
    for operation, (_, events) in OPERATIONS.items()
    for fault, (_, _, needed) in FAULTS.items()
    if events >= needed
]
# Django runs deletions and many-to-many changes in a transaction of its own; save() does not.
ATOMIC_BY_DJANGO = {name for name in OPERATIONS if "delete" in name or name.startswith("m2m")}


def run_with_fault(operation, fault, block=contextlib.nullcontext):
    make_fault, error, _ = FAULTS[fault]
    with pytest.raises(error), make_fault(), block():
        OPERATIONS[operation][0](faults.current_world)


@pytest.fixture
def world(request):
    faults.current_world = make_world()
    yield faults.current_world
    faults.current_world = {}


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "fault"), CASES)
def test_a_fault_inside_atomic_leaves_nothing(world, operation, fault):
    before = db_state()
    with transaction.atomic():
        OPERATIONS[operation][0](world)
        recorded = db_state()["events"] - before["events"]
        transaction.set_rollback(True)
    assert recorded == OPERATIONS[operation][1]  # the operation records what we think
    run_with_fault(operation, fault, transaction.atomic)
    assert db_state() == before


def faults_for(operation):
    return [fault for fault, (_, _, needed) in FAULTS.items() if OPERATIONS[operation][1] >= needed]


@pytest.mark.django_db
@pytest.mark.urls("tests.reliability.urls")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_fault_under_atomic_requests_leaves_nothing(world, operation, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    before = db_state()
    for fault in faults_for(operation):
        make_fault, error, _ = FAULTS[fault]
        with pytest.raises(error), make_fault():
            Client().post(f"/operations/{operation}/")
        assert db_state() == before, fault
    assert Client().post(f"/operations/{operation}/").status_code == 200
    assert db_state()["events"] == before["events"] + OPERATIONS[operation][1]
    assert_every_event_is_whole()


# Outside a test transaction, so that the request's transaction is a real one, not a
# savepoint; every operation meets every fault on the same world (one database flush).
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.reliability.urls")
def test_faults_under_atomic_requests_in_a_real_transaction(world, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    before = db_state()
    for operation in OPERATIONS:
        for fault in faults_for(operation):
            make_fault, error, _ = FAULTS[fault]
            with pytest.raises(error), make_fault():
                Client().post(f"/operations/{operation}/")
            assert db_state() == before, (operation, fault)


@pytest.mark.django_db(transaction=True)
def test_faults_inside_a_real_outermost_atomic_block_leave_nothing(world):
    before = db_state()
    for operation in OPERATIONS:
        for fault in faults_for(operation):
            run_with_fault(operation, fault, transaction.atomic)
            assert db_state() == before, (operation, fault)
    assert_every_event_is_whole()


@pytest.mark.django_db(transaction=True)
def test_a_fault_in_autocommit_mode_never_leaves_a_partial_event(world):
    for operation in OPERATIONS:
        for fault in faults_for(operation):
            before = db_state()
            run_with_fault(operation, fault)
            after = db_state()
            assert (after["events"], after["aggregates"]) == (
                before["events"],
                before["aggregates"],
            ), (operation, fault)
            if operation in ATOMIC_BY_DJANGO:
                assert after == before, (operation, fault)
            else:
                # Documented: save() has committed its change before the event is written.
                assert after != before, (operation, fault)
    assert_every_event_is_whole()
