"""approve_guests.py: approve, at Luma, pending guests of upcoming events whom a rule admits."""
