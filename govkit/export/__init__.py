"""Exporters: govkit evidence in formats other supply-chain tools consume."""
