from django.contrib import admin, messages

from .models import APIKey, APITier


@admin.register(APITier)
class APITierAdmin(admin.ModelAdmin):
    list_display = ["name", "requests_per_hour"]


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    """Keys are made here with a new random key, shown once when saved; afterwards only the prefix is."""

    list_display = ["name", "prefix", "tier", "created_at", "revoked"]
    list_filter = ["tier", "revoked"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at"]

    def save_model(self, request, obj, form, change):
        key = None if change else obj.set_new_key()
        super().save_model(request, obj, form, change)
        if key:
            self.message_user(
                request,
                f"The key of {obj.name}: {key}. Copy it now: only its hash is kept, it is not shown again.",
                messages.WARNING,
            )
