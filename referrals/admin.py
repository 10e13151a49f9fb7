from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from hod.admin_filters import DropdownRelated, DropdownValues
from notifications.masking import HidesConsumerContact, log_contact_view, mask_address, may_see_consumer_contact
from referrals.admin_actions import ReferralActions
from referrals.models import Event, Offer, Referral

CONTACT_FIELDS = ["first_name", "last_name", "phone", "email"]


@admin.register(Referral)
class ReferralAdmin(ReferralActions, HidesConsumerContact, admin.ModelAdmin):
    contact_fields = (*CONTACT_FIELDS, "disposition_note")
    list_display = ["reference", "created_at", "status", "state", "city", "language", "offers_made", "expires_at"]
    list_filter = ["status", ("state", DropdownValues), ("language", DropdownRelated), "created_at"]
    search_fields = ["=reference", "zip_code", "city"]
    date_hierarchy = "created_at"
    list_select_related = ["language"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(offer_count=Count("offers"))

    @admin.display(description="offers", ordering="offer_count")
    def offers_made(self, referral: Referral) -> int:
        return referral.offer_count

    def get_fields(self, request: HttpRequest, obj: Referral | None = None):
        place = ["reference", "status", "zip_code", "city", "state", "language", "message_language"]
        times = ["created_at", "expires_at", "accepted_at", "closed_at"]
        # The agent's note may name the consumer: like their contact details, only with the permission.
        if may_see_consumer_contact(request.user):
            return [*place, *CONTACT_FIELDS, *times, "outcome", "disposition_note", "timeline"]
        return [*place, "masked_contact", *times, "outcome", "timeline"]

    def get_readonly_fields(self, request: HttpRequest, obj: Referral | None = None):
        return self.get_fields(request, obj)

    @admin.display(description="consumer")
    def masked_contact(self, referral: Referral) -> str:
        phone = mask_address(referral.phone.as_e164 if referral.phone else "")
        return f"{phone} {mask_address(referral.email)} (hidden: you may not see consumers' contact details)"

    @admin.display(description="outcome")
    def outcome(self, referral: Referral) -> str:
        """What the agent who accepted recorded (their note is the next field, for staff who may read it)."""
        if not referral.disposition:
            return "None recorded" if referral.status == Referral.Status.ACCEPTED else "–"
        return f"{referral.get_disposition_display()} (recorded {referral.disposition_at:%Y-%m-%d %H:%M})"

    @admin.display(description="timeline")
    def timeline(self, referral: Referral) -> SafeString:
        events = Event.objects.filter(referral=referral).select_related("offer__agent").order_by("at", "pk")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{event.at:%Y-%m-%d %H:%M:%S}",
                    event.get_kind_display(),
                    event.offer.agent if event.offer_id else "",
                    event.detail,
                )
                for event in events
            ),
        )
        offers = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} mi</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    offer.agent,
                    offer.get_status_display(),
                    f"{offer.distance_miles:.1f}",
                    f"{offer.offered_at:%H:%M:%S}",
                    f"{offer.responded_at:%H:%M:%S}" if offer.responded_at else "–",
                    offer.reject_reason,
                )
                for offer in Offer.objects.filter(referral=referral).select_related("agent")
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>What</th><th>Agent</th><th>Detail</th></tr></thead><tbody>{}</tbody>"
            "</table>"
            "<h3>Offers</h3><table><thead><tr><th>Agent</th><th>Status</th><th>Distance</th><th>Offered</th>"
            "<th>Answered</th><th>Reason</th></tr></thead><tbody>{}</tbody></table>",
            rows,
            offers,
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if may_see_consumer_contact(request.user):
            log_contact_view(request.user, "referral", object_id)
        referral = Referral.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        actions = self.actions_for(request, referral) if referral else []
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "referral_actions": actions})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # consumers make referrals on the Get Contacted page

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the record stays: what happened, to whom, when


# The intake pauses' admin registers itself (a module of its own).
import referrals.admin_intake  # noqa: E402, F401
