"""The source: Luma's HTTP API (both endpoint generations), its entries and its guest-list CSV."""
