"""A window saved or deleted clears this process's copy of the schedule."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import MaintenanceWindow
from .selectors import schedule_forget


@receiver(post_save, sender=MaintenanceWindow, dispatch_uid="maintenance_schedule_saved")
@receiver(post_delete, sender=MaintenanceWindow, dispatch_uid="maintenance_schedule_deleted")
def forget_schedule(sender, **kwargs):
    schedule_forget()
