"""Signals ``accounts`` sends to the apps above it (edges only, no logic here).

- ``membership_ended(sender=Membership, user, organisation, actor, now, platform_ids)``:
  sent inside the transaction of ``services.membership_remove`` once the membership
  and its accesses are gone; ``platform_ids`` are the platforms those accesses were
  on. The lifecycle app listens to deactivate an account left with no membership
  (end of authority); the platforms app to tell those platforms that the person's
  habilitations changed.
"""

from django.dispatch import Signal

membership_ended = Signal()
