from django.contrib import admin
from django.http import HttpRequest

from hod.admin_filters import DROPDOWN
from notifications.masking import HidesConsumerContact, log_contact_view, mask_address, may_see_consumer_contact
from notifications.models import Device, Notification
from notifications.rendering import KINDS

HIDDEN = "(hidden: a consumer's message)"


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    template = DROPDOWN
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted((name, kind.label) for name, kind in KINDS.items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(HidesConsumerContact, admin.ModelAdmin):
    contact_fields = ("to", "subject", "body", "html", "link", "last_error")
    list_filter = [KindFilter, "channel", "status", "language", "created_at"]
    search_fields = ["=id", "=provider_message_id", "user__username", "=related_id"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    list_per_page = 50

    def get_list_display(self, request: HttpRequest):
        may_see = may_see_consumer_contact(request.user)

        @admin.display(description="recipient")
        def recipient(obj: Notification) -> str:
            if obj.user_id is not None:
                return f"{obj.user} ({obj.to})" if obj.to else str(obj.user)
            return obj.to if may_see else mask_address(obj.to)

        return ["created_at", "kind_label", "channel", recipient, "language", "status", "attempts", "last_error"]

    def get_fields(self, request: HttpRequest, obj: Notification | None = None):
        fields = [
            "kind",
            "channel",
            "language",
            "user",
            "to",
            "subject",
            "body",
            "html",
            "link",
            "related_type",
            "related_id",
            "status",
            "provider_message_id",
            "attempts",
            "last_error",
            "created_at",
            "next_attempt_at",
            "sent_at",
            "delivered_at",
            "failed_at",
        ]
        if obj is not None and obj.is_for_consumer and not may_see_consumer_contact(request.user):
            fields = [name for name in fields if name not in ("to", "subject", "body", "html", "link")]
            fields.insert(4, "masked_to")
        return fields

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, obj: Notification) -> str:
        """The message's kind in words ("Offer to an agent"), not its code."""
        kind = KINDS.get(obj.kind)
        return kind.label if kind else obj.kind

    @admin.display(description="address")
    def masked_to(self, obj: Notification) -> str:
        return f"{mask_address(obj.to)} {HIDDEN}"

    def get_readonly_fields(self, request: HttpRequest, obj: Notification | None = None):
        return self.get_fields(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_for_consumer and may_see_consumer_contact(request.user):
            log_contact_view(request.user, "notification", obj.pk)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages are sent by the product, not typed into admin

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the record of what was sent stays (erasure scrubs contact details, it deletes nothing)


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "platform", "name", "last_seen_at", "retired_at", "retired_reason"]
    list_filter = ["kind", "platform", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username"]
    readonly_fields = [
        "user",
        "kind",
        "token",
        "platform",
        "name",
        "created_at",
        "last_seen_at",
        "retired_at",
        "retired_reason",
    ]
    exclude = ["p256dh", "auth"]  # a browser's keys: only the worker needs them

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
