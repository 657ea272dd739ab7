"""What a request says about where it comes from (IP address, user agent)."""

from django.http import HttpRequest

from accounts.security import client_ip

__all__ = ["client_ip", "user_agent"]

USER_AGENT_MAX_LENGTH = 512


def user_agent(request: HttpRequest) -> str:
    """The browser's user agent, cut to what the acceptance record stores."""
    return request.headers.get("user-agent", "")[:USER_AGENT_MAX_LENGTH]
