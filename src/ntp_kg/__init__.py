"""ntp-kg: Vietnam's National Target Programme facts as a validated, queryable knowledge graph."""

__version__ = "0.1.0"
