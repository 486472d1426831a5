"""The guide's text, update rules and code panel."""
