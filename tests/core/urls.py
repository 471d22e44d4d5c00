"""Views that exercise user tracking and transactions through the real request cycle."""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import path

from tests.testapp.models import Car


def rename_car(request, pk):
    car = Car.objects.get(pk=pk)
    car.manufacturer = request.POST["manufacturer"]
    car.save()
    if request.POST.get("fail"):
        raise RuntimeError("the view failed after saving")
    return HttpResponse("ok")


def rename_car_late_auth(request, pk):
    # Like token authentication in Django REST framework: the user is set inside the view.
    request.user = get_user_model().objects.get(username=request.POST["as"])
    return rename_car(request, pk)


def read_car(request, pk):
    return HttpResponse(Car.objects.get(pk=pk).manufacturer)


def delete_own_account(request):
    request.user.delete()
    return HttpResponse("gone")


async def async_rename_car(request, pk):
    car = await Car.objects.aget(pk=pk)
    car.manufacturer = request.GET["manufacturer"]
    await car.asave()
    return HttpResponse("ok")


urlpatterns = [
    path("cars/<int:pk>/rename/", rename_car),
    path("cars/<int:pk>/rename-late/", rename_car_late_auth),
    path("cars/<int:pk>/", read_car),
    path("cars/<int:pk>/async-rename/", async_rename_car),
    path("me/delete/", delete_own_account),
]
