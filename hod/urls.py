from django.contrib import admin
from django.urls import path

from hod.health import healthz
from hod.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
