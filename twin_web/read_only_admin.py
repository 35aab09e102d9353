"""An admin that only reads: for records that only the twin's own services write (the event
log, the audit trail, what the projector quarantined), where an edit by hand would skip the
checks, the announcements or the four eyes those services carry."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
