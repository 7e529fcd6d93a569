"""govkit demo: a realistic three-repo program, built offline, run end to end."""
