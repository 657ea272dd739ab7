"""Local users keyed by the provider's ``sub``; the claims kept in the session."""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class SubjectBackend(OIDCAuthenticationBackend):
    """One local user per ``sub`` (emails may change at the provider)."""

    def filter_users_by_claims(self, claims):
        sub = claims.get("sub")
        if not sub:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username=f"sub-{sub}")

    def create_user(self, claims):
        return self.UserModel.objects.create_user(
            username=f"sub-{claims['sub']}",
            email=claims.get("email", ""),
            first_name=claims.get("given_name", ""),
            last_name=claims.get("family_name", ""),
        )

    def update_user(self, user, claims):
        user.email = claims.get("email", "")
        user.first_name = claims.get("given_name", "")
        user.last_name = claims.get("family_name", "")
        user.save(update_fields=["email", "first_name", "last_name"])
        return user

    def get_userinfo(self, access_token, id_token, payload):
        claims = super().get_userinfo(access_token, id_token, payload)
        self.request.session["oidc_userinfo"] = claims
        self.request.session["oidc_id_token_claims"] = payload
        return claims
