"""Layout and storyboard of the explainer as plain data (no bpy): story + input + model -> SceneSpec.

- spec.py        SceneSpec: the whole contract with the add-on and render workers (digest() for caches)
- story.py       story files (TOML): load_story, list_stories, DEFAULT_STORY, per-beat overrides
- plan.py        plan_scene (a short dispatcher over the modules below), plan_summary (`llmreel plan --json`)
- inputs.py      the model (weights) and the input tokens a plan runs
- storyboard.py  chapters, BeatDef / BeatPlan / Shot, reveal steps of the model's tensors, timing rules
- beats.py       every beat, by chapter (defined in beats_embedding.py, beats_block.py, beats_output.py)
- timeline.py    the story's cut of the beats, its overrides, captions filled in, frames
- reveal.py      per-cell reveal times from the op graph (arrays, never per-cell keys)
- layout.py      where every tensor block and its labels sit (box packer; MERGED tensors listed here)
- blocks.py      blocks with values, scales and reveal times
- labels.py      name tags, token letters, vocabulary
- paths.py       flow paths, the residual stream, GELU's curve
- moments.py     the focus-moments toolkit (highlights, flying cells, value texts with real trace values)
- captions.py    caption fields from the input and the trace; value formatting
- shots.py       each beat's camera keys from its Shot
- follow.py      a pan's keys that follow what lights, and where a pan along tall blocks ends
- camera.py      numpy camera (same projection as Blender) and closed-form shot framing
- cards.py       chapters and title cards; labels kept off a card's band
- hud.py         captions' and title cards' bands, text sizes and places on the camera's HUD plane
- look.py        a cell's look over time (cell_look, CellLook) and which blocks need it per frame
- geometry.py    tensor index <-> block cell <-> world point; label bounds
- themes.py      THEMES: dark (default) and light
"""
