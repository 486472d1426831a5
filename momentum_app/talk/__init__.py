"""The talk: scenes (data in scenes.toml) and the presenter's clicker."""
