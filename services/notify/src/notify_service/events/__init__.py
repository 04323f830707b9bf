"""Notify's consumers: the directory (contacts, post titles) and one group per purpose."""
