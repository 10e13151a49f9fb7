from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def get_contacted(request: HttpRequest) -> HttpResponse:
    """The consumer's "Get Contacted" page (the form arrives with the consumer-request issue)."""
    return render(request, "referrals/get_contacted.html")
