"""The only table of the demo platform: the SETs already applied (jti)."""

from django.db import models


class ReceivedEvent(models.Model):
    jti = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.jti
