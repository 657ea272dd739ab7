"""Signals ``accounts`` sends to the apps above it (edges only, no logic here).

- ``membership_ended(sender=Membership, user, organisation, actor, now)``: sent
  inside the transaction of ``services.membership_remove`` once the membership
  and its accesses are gone. The lifecycle app listens to deactivate an account
  left with no membership (end of authority, path a of DOMAIN.md).
"""

from django.dispatch import Signal

membership_ended = Signal()
