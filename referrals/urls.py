from django.urls import path

from referrals import consumer_views, views

app_name = "referrals"

# An offer, as its agent sees it (under /agents/offers/).
urlpatterns = [
    path("<int:offer_id>/", views.offer, name="offer"),
    path("<int:offer_id>/answer/", views.answer, name="answer"),
    path("<int:offer_id>/hand-back/", views.give_back, name="hand_back"),
]

# The consumer's pages (at the top of the site, not in this namespace).
consumer_patterns = [
    path("get-contacted/", consumer_views.get_contacted, name="get_contacted"),
    path("get-contacted/status/<str:token>/", consumer_views.request_status, name="request_status"),
]

# The portal's home page ("agents:home") lists the agent's offers, so it is served here; hod/urls.py
# puts it in the agents' namespace.
agent_home = path("", views.agent_home, name="home")

# Twilio forwards agents' text replies here.
twilio_inbound = path("referrals/twilio/inbound/", views.twilio_inbound, name="twilio_inbound")
