"""Headless command line and rendering pipeline."""
