"""By-hand reports: one event against earlier ones (a CSV row) and its one-page placard (PDF)."""
