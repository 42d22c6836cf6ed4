"""Layout and storyboard of the explainer as plain data (no bpy)."""
