"""Step 1, sync: Luma's events into the events table, settled events' guest lists into CSV files."""
