"""Evidence: immutable run records, the hash-chained ledger, queries over runs."""
