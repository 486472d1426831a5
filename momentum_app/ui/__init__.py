"""The page layer: session state, widgets, caches, the compute gate, the room UI and the page frame.

It sits above race/, studies/ and talk/ (which never import it); the settings records and
links they share live below them, in :mod:`momentum_app.config`.
"""
