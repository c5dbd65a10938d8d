"""Step 3, analyze: metrics, charts, the report page and the write-back of each event's numbers."""
