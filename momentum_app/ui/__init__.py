"""Page helpers: settings records, links, session state, widgets, caches, page frame."""
