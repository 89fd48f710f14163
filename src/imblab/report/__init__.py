"""Rendering results: the terminal and the run folder."""
