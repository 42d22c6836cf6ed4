"""The custom-property keys the add-on writes on what it makes, named once (no bpy).

Saved .blend files, the panel, the renderer and the tests read these strings: change a value only together
with a migration of old files. Every key but TAG starts with PREFIX (merge.py keeps such tags on the text
records it folds into a mesh).
"""
from __future__ import annotations

TAG = "llmreel"                         # on every data block the add-on made (nodes.tag / nodes.is_ours)
PREFIX = "llmreel_"

# the root collection "LLM Reel"
ROOT = "llmreel_root"                   # 1: marks the build's root collection
LANGUAGE = "llmreel_language"           # caption and label language it was built in
STORY = "llmreel_story"
INPUT = "llmreel_input"                 # the six letters sorted
CHAPTERS = "llmreel_chapters"           # JSON [{slug, title, first, last}]
MARKERS = "llmreel_markers"             # JSON names of the timeline markers the build added

# the scene: what the build replaced, restored by clear_scene
PREV_WORLD = "llmreel_prev_world"
PREV_CAMERA = "llmreel_prev_camera"

# block objects (cell blocks and image planes): what the inspector needs to name a cell
BLOCK = "llmreel_block"                 # block id
TENSOR = "llmreel_tensor"               # trace tensor name
FORMAL = "llmreel_formal"               # formal name shown in the inspector
ROLE = "llmreel_role"
SHAPE = "llmreel_shape"                 # [rows, cols] as drawn
AXES = "llmreel_axes"                   # "T×C"
ROW_AXIS = "llmreel_row_axis"
COL_AXIS = "llmreel_col_axis"
INDEX_PREFIX = "llmreel_index_prefix"   # leading tensor indices of the slice drawn ([-1]: none)
TRANSPOSE = "llmreel_transpose"         # 1: rows run over the tensor's last axis
OFFSET = "llmreel_offset"               # start along the tensor's last axis (fused q/k/v slices)
CELL_SHAPE = "llmreel_cell_shape"       # "tile" | "box"
IMAGE = "llmreel_image"                 # 1: an image block: a pixel per cell over pooled stand-in tiles
POOL = "llmreel_pool"                   # an image block's [rows, columns] of cells per stand-in tile
MEMBERS = "llmreel_members"             # a merged group of cell blocks: JSON [{its block's keys, FACES}]
FACES = "llmreel_faces"                 # in MEMBERS: a block's faces [start, stop) in the group's mesh
PITCH = "llmreel_pitch"                 # on a block's mesh: distance between cell centres

# other objects, by kind
PLATES = "llmreel_plates"               # the plates behind cell blocks (and the hidden ones' dim)
BACKGROUND = "llmreel_background"       # the gradient behind everything (hidden in transparent renders)
SOLID = "llmreel_solid"                 # a model drawn to scale (spec.solids): its id
BACKGROUND_DEPTH = "llmreel_background_depth"   # on it: a depth every pixel of it lies beyond
LABEL = "llmreel_label"                 # label id
VALUE = "llmreel_value"                 # value text id
PATHS = "llmreel_paths"                 # comma-separated ids of the flow paths growing in one object
CAPTION = "llmreel_caption"             # caption index
OUTLINE = "llmreel_outline"             # 1: the outline drawn behind a HUD text (not the text itself)
VISIBILITY = "llmreel_visibility"       # 1: an instancer empty of animate.Visibility
TEXTS = "llmreel_texts"                 # on a merged text mesh: JSON of the texts it holds
CULLED = "llmreel_culled"               # culling.py: visibility keys it added

# data
RESOLUTION_U = "llmreel_resolution_u"   # a text curve's resolution before render.simplify_text
TEXT_GROW = "llmreel_text_grow"         # a text curve's own contour growth (an outline's), before text.set_strokes
