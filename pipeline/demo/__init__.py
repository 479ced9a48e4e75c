"""Loopback serving for the demo and the tests (never production stage code)."""
