"""Argon2id at the OWASP minimum (19 MiB, t=2, p=1).

Same algorithm name as Django's Argon2 hasher, so hashes made with other
parameters are upgraded transparently at the next sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
