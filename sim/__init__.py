"""A simulated deadline day (issue 20): the project's own lifecycle on PostgreSQL in virtual time (sim/README.md)."""
