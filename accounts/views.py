"""Views of the accounts app: the signed-in user's home."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def home(request):
    memberships = selectors.user_memberships(user=request.user)
    pending = request.user.join_requests.filter(status="pending").select_related("organisation")
    return render(
        request,
        "accounts/home.html",
        {"memberships": memberships, "pending_requests": pending},
    )
