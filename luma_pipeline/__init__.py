"""Luma Event Sync & Analytics: the package behind the pipeline's top-level scripts."""
