"""Security tests: passwords, throttling, MFA, sessions, headers, access control."""
