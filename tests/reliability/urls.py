"""Views of the reliability tests: fault operations and user attribution under load."""

from django.http import HttpResponse
from django.urls import path

from tests.reliability import faults


def run_operation(request, name):
    faults.OPERATIONS[name][0](faults.current_world)
    return HttpResponse("done")


urlpatterns = [path("operations/<str:name>/", run_operation)]
