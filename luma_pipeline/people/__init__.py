"""Identity stewardship (review_people.py): settling who is who, merging people and undoing it."""
