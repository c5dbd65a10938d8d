"""Step 2, import: guest-list CSVs into people and attendance, working out who each guest is."""
