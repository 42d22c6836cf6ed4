"""Layout and storyboard of the explainer as plain data (no bpy).

- story.py       story files (TOML): load_story, list_stories, DEFAULT_STORY
- plan.py        plan_scene (story + input + model -> SceneSpec), plan_summary (`llmreel plan --json`)
- layout.py      where every tensor block and its labels sit (box packer; MERGED tensors listed here)
- storyboard.py  the nine chapters, their beats and reveal steps, beat timing rules
- reveal.py      per-cell reveal times from the op graph (arrays, never per-cell keys)
- moments.py     highlights, flying cells and value texts with real trace values
- captions.py    English/Korean caption templates filled from the input and the trace
- camera.py      numpy camera (same projection as Blender) and closed-form shot framing
- geometry.py    tensor index <-> block cell <-> world point; label bounds
- themes.py      THEMES: dark (default) and light
- spec.py        SceneSpec: the contract with the add-on and render workers
"""
