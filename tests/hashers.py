"""The test suite's password hasher: PBKDF2 at one iteration.

The default PBKDF2 runs a million iterations (0.3-0.4 s of CPU on the 2-core CI machine)
for each user a test creates, hundreds of times a run. A hash made here names its
algorithm and iteration count, so the real servers the tests start (daphne, with the
default hashers) still verify it, and re-hash it at full strength on first sign-in.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
