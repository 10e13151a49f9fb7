from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("<int:offer_id>/", views.offer, name="offer"),
    path("<int:offer_id>/answer/", views.answer, name="answer"),
]
