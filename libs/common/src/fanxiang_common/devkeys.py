"""The development key pair for bearer tokens.

Public on purpose: it lets `make run` and the tests work with no setup. Settings refuse it when
``FANXIANG_ENV=production``; production reads real keys from the environment.
"""

PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJKZHsQJWchgio494w4A5IpksBJH576JpNLK/lVYbnFA
-----END PRIVATE KEY-----
"""

PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA/RsBkB5LkJP8c78fwoO0Jw5KUaRD9t6h0K7uA/vuijc=
-----END PUBLIC KEY-----
"""
