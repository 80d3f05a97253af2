"""Indexes: one kind per way of answering "which files does project X have?"."""
