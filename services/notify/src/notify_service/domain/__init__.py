"""Notify's rules, pure and free of I/O: who is told what, on which channel, and when."""
