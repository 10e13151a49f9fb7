"""The reporting pages, under /admin/service/ (staff only, each behind its own permission)."""

from django.urls import path

from referrals.reporting import views

app_name = "reporting"
urlpatterns = [
    path("export/", views.export, name="export"),
    path("export/<str:kind>.csv", views.export_csv, name="export_csv"),
    path("", views.dashboard, name="dashboard"),
    path("responsiveness/", views.responsiveness, name="responsiveness"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/<str:state>/<str:language>/", views.coverage_cell, name="coverage_cell"),
]
