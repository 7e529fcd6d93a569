"""govkit: records, gates, evidence and audit for multi-repo engineering programs."""

__version__ = "0.1.0"
