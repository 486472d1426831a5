"""Figures and text of the studies: the sweep, the basin maps, the theory page."""
