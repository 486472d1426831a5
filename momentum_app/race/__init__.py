"""The race: its runs, its data for the browser, its chart component, figure and GIF."""
