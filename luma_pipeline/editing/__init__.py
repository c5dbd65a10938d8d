"""By hand: the organiser's own fields of an event, changed without SQL (edit_event.py)."""
