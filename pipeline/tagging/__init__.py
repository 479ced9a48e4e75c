"""Tagging: the plan's themes and cited legal documents, from text (text in, labels out)."""
