"""The account centre as a SAML 2.0 identity provider (pysaml2).

Same rules as the OpenID Connect side: only an active account holding a role on
the service provider's platform gets an assertion, the CGU gate runs first, and a
sign-in counts as activity (``platforms.sso_services.platform_login_record``).
"""
