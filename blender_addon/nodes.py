"""Node groups and materials, built in Python with versioned names (get-or-create, tagged).

The cell look is ONE rule, llmreel.scenes.look.cell_look, with the parameters of spec.look; `_look_tree`
builds it out of math and mix nodes, the same nodes in both places that draw it:
- cell blocks: a Geometry Nodes modifier reads the point attributes `t_on` (frame a cell lights) and
  `settled` (its value colour), compares with the Scene Time node and stores `Col` (dim -> flash ->
  settled, times the face's `shade` and, with the Glow Gain input above 0, 1 + gain * glow: values
  above 1 that the compositor's glare blooms in Workbench) and `glow` (1 at the flash, 0 when settled).
  Workbench shows `Col` as the colour attribute; Cycles/EEVEE materials read the same attributes;
- image blocks: their material reads the settled colour from the block's image and t_on from the
  stand-in tiles' attribute (blocks.image_block).
No Python runs at playback.
"""
from __future__ import annotations

import bpy

from . import compat
from .keys import TAG

CELL_LOOK = "LLMReel Cell Look v4"   # v4: the per-face shade and the Glow Gain (HDR flash for the bloom)
CELL_MATERIAL = "LLMReel Cell v2"
FLAT_MATERIAL = "LLMReel Flat v1"     # emission of the object's colour (text, paths, frames, flying cells)
BACKING_MATERIAL = "LLMReel Backing v1"
HALO_MATERIAL = "LLMReel Halo v1"     # translucent emission: the glow around a flow path


def tag(idblock):
    idblock[TAG] = 1
    return idblock


def is_ours(idblock) -> bool:
    return idblock.get(TAG) is not None


def _get_ours(collection, name):
    existing = collection.get(name)
    return existing if existing is not None and is_ours(existing) else None


def _sock(sockets, identifier):
    for s in sockets:
        if s.identifier == identifier:
            return s
    raise KeyError(identifier)


def _math(nodes, op, a=None, b=None, links=None):
    n = nodes.new("ShaderNodeMath")
    n.operation = op
    for i, v in enumerate((a, b)):
        if v is None:
            continue
        if isinstance(v, (int, float)):
            n.inputs[i].default_value = v
        else:
            links.new(v, n.inputs[i])
    return n


def _mix_color(nodes, links, fac, a, b):
    n = nodes.new("ShaderNodeMix")
    n.data_type = "RGBA"
    links.new(fac, _sock(n.inputs, "Factor_Float"))
    links.new(a, _sock(n.inputs, "A_Color"))
    links.new(b, _sock(n.inputs, "B_Color"))
    return _sock(n.outputs, "Result_Color")


def _look_tree(nodes, links, frame, preview, t_on, settled, p):
    """The nodes of scenes/look.cell_look, in its order of operations; `p` maps the CellLook parameters
    "Preview Offset", "Flash Frames", "Lit After", "Dim", "Flash" to sockets. Returns (colour, glow)
    sockets:
        age  = frame + preview * preview_offset - t_on      (t_on is stored clamped to +-t_on_limit)
        fade = clamp(age / flash_frames);   lit = age > lit_after
        colour = mix(dim, mix(flash, settled, fade), lit);   glow = clamp(lit - fade)"""
    now = _math(nodes, "MULTIPLY_ADD", preview, p["Preview Offset"], links)
    links.new(frame, now.inputs[2])
    age = _math(nodes, "SUBTRACT", now.outputs[0], t_on, links)
    fade = _math(nodes, "DIVIDE", age.outputs[0], p["Flash Frames"], links)
    fade.use_clamp = True
    lit = _math(nodes, "GREATER_THAN", age.outputs[0], p["Lit After"], links)
    glow = _math(nodes, "SUBTRACT", lit.outputs[0], fade.outputs[0], links)
    glow.use_clamp = True
    lit_col = _mix_color(nodes, links, fade.outputs[0], p["Flash"], settled)
    return _mix_color(nodes, links, lit.outputs[0], p["Dim"], lit_col), glow.outputs[0]


def _strength(nodes, links, glow, gain: float):
    """Emission strength 1 + glow_gain * glow (1 when settled; the compositor's glare blooms above 1)."""
    strength = _math(nodes, "MULTIPLY_ADD", glow, float(gain), links)
    strength.inputs[2].default_value = 1.0
    return strength.outputs[0]


def cell_look_group():
    """Geometry Nodes group drawing scenes/look.cell_look per point (see _look_tree): inputs Geometry,
    Preview (0/1, keyed per block), the CellLook parameters Preview Offset, Flash Frames, Lit After,
    Dim, Flash (set per modifier from spec.look) and Glow Gain (set per render: render.configure_render);
    the frame comes from the Scene Time node. Col = look * shade * (1 + Glow Gain * glow). Nine field
    operations: every one costs on each frame change of a live block."""
    name = CELL_LOOK
    group = _get_ours(bpy.data.node_groups, name)
    if group is not None:
        return group
    group = tag(compat.new_node_group(name))
    iface = group.interface
    iface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    p = iface.new_socket("Preview", in_out="INPUT", socket_type="NodeSocketFloat")
    p.min_value, p.max_value = 0.0, 1.0
    for param in ("Preview Offset", "Flash Frames", "Lit After"):
        iface.new_socket(param, in_out="INPUT", socket_type="NodeSocketFloat")
    for param in ("Dim", "Flash"):
        iface.new_socket(param, in_out="INPUT", socket_type="NodeSocketColor")
    iface.new_socket("Glow Gain", in_out="INPUT", socket_type="NodeSocketFloat")
    iface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")

    nodes, links = group.nodes, group.links
    gin, gout = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")
    frame = nodes.new("GeometryNodeInputSceneTime").outputs["Frame"]
    t_on = nodes.new("GeometryNodeInputNamedAttribute")
    t_on.data_type = "FLOAT"
    t_on.inputs["Name"].default_value = "t_on"
    settled = nodes.new("GeometryNodeInputNamedAttribute")
    settled.data_type = "FLOAT_COLOR"
    settled.inputs["Name"].default_value = "settled"
    params = {k: gin.outputs[k] for k in ("Preview Offset", "Flash Frames", "Lit After", "Dim", "Flash")}
    col, glow = _look_tree(nodes, links, frame, gin.outputs["Preview"], t_on.outputs["Attribute"],
                           settled.outputs["Attribute"], params)
    shade = nodes.new("GeometryNodeInputNamedAttribute")
    shade.data_type = "FLOAT"
    shade.inputs["Name"].default_value = "shade"
    hdr = _math(nodes, "MULTIPLY_ADD", glow, gin.outputs["Glow Gain"], links)
    hdr.inputs[2].default_value = 1.0
    factor = _math(nodes, "MULTIPLY", hdr.outputs[0], shade.outputs["Attribute"], links)
    scaled = nodes.new("ShaderNodeVectorMath")
    scaled.operation = "SCALE"
    links.new(col, scaled.inputs[0])
    links.new(factor.outputs[0], scaled.inputs["Scale"])
    col = scaled.outputs[0]

    store_col = nodes.new("GeometryNodeStoreNamedAttribute")
    store_col.data_type, store_col.domain = "FLOAT_COLOR", "POINT"
    store_col.inputs["Name"].default_value = "Col"
    store_glow = nodes.new("GeometryNodeStoreNamedAttribute")
    store_glow.data_type, store_glow.domain = "FLOAT", "POINT"
    store_glow.inputs["Name"].default_value = "glow"
    links.new(gin.outputs["Geometry"], store_col.inputs["Geometry"])
    links.new(col, store_col.inputs["Value"])
    links.new(store_col.outputs["Geometry"], store_glow.inputs["Geometry"])
    links.new(glow, store_glow.inputs["Value"])
    links.new(store_glow.outputs["Geometry"], gout.inputs["Geometry"])
    return group


def _new_material(name):
    mat = tag(bpy.data.materials.new(name))
    if not mat.node_tree:           # 4.x: node trees appear with use_nodes; 5.0 always has one
        mat.use_nodes = True
    nt = mat.node_tree
    nt.nodes.clear()
    return mat, nt.nodes, nt.links


def _emissive_surface(nodes, links, color_out, strength_out, roughness=0.35):
    """Mostly emissive cube: emission = the cell colour (so Cycles/EEVEE match Workbench's flat colours),
    a dark base of the same hue so the lights add only soft shading and glossy highlights."""
    bsdf = nodes.new("ShaderNodeBsdfPrincipled")
    base = nodes.new("ShaderNodeVectorMath")
    base.operation = "SCALE"
    links.new(color_out, base.inputs[0])
    base.inputs["Scale"].default_value = 0.12
    links.new(base.outputs[0], bsdf.inputs["Base Color"])
    links.new(color_out, bsdf.inputs["Emission Color"])
    links.new(strength_out, bsdf.inputs["Emission Strength"])
    bsdf.inputs["Roughness"].default_value = roughness
    out = nodes.new("ShaderNodeOutputMaterial")
    links.new(bsdf.outputs["BSDF"], out.inputs["Surface"])
    return bsdf


def cell_material(look):
    """Reads the GN-stored `Col` and `glow`: emission 1 when settled, up to 1 + look.glow_gain at the flash
    (compositor glare threshold sits above 1, so only flashing cells bloom). One material per glow gain."""
    name = f"{CELL_MATERIAL} glow {look.glow_gain:g}"
    mat = _get_ours(bpy.data.materials, name)
    if mat is not None:
        return mat
    mat, nodes, links = _new_material(name)
    col = nodes.new("ShaderNodeAttribute")
    col.attribute_type, col.attribute_name = "GEOMETRY", "Col"
    glow = nodes.new("ShaderNodeAttribute")
    glow.attribute_type, glow.attribute_name = "GEOMETRY", "glow"
    _emissive_surface(nodes, links, col.outputs["Color"], _strength(nodes, links, glow.outputs["Fac"], look.glow_gain))
    return mat


def _colour_key(rgb) -> str:
    """A linear RGB colour as 15 digits (1e-4 steps) for a material's name: rebuilds find the same one."""
    return "".join(f"{min(max(int(round(x * 1e4)), 0), 99999):05d}" for x in rgb)


def flat_material(color):
    """Unlit colour (text, paths, frames, flying cells): emission in Cycles/EEVEE, and the same colour as
    the material's viewport colour, which Workbench shows for objects without a colour attribute.
    One material per distinct colour (name carries the colour, so rebuilds reuse it)."""
    def surface(nodes, links, rgb):
        em = nodes.new("ShaderNodeEmission")
        em.inputs["Color"].default_value = (*rgb, 1.0)
        em.inputs["Strength"].default_value = 1.0
        out = nodes.new("ShaderNodeOutputMaterial")
        links.new(em.outputs[0], out.inputs["Surface"])

    return _by_colour(FLAT_MATERIAL, color, surface)


def _by_colour(prefix: str, color, surface):
    """Our material named `prefix #colour` (rebuilds reuse it), or a new one with that viewport colour
    whose nodes `surface(nodes, links, rgb)` makes."""
    rgb = tuple(float(x) for x in color[:3])
    name = f"{prefix} #{_colour_key(rgb)}"
    mat = _get_ours(bpy.data.materials, name)
    if mat is not None:
        return mat
    mat, nodes, links = _new_material(name)
    mat.diffuse_color = (*rgb, 1.0)
    surface(nodes, links, rgb)
    return mat


def halo_material(color, alpha: float):
    """Translucent unlit colour: Workbench blends the material colour at `alpha` (its transparent pass);
    Cycles/EEVEE mix emission with a transparent BSDF at the same share. One material per colour and
    alpha (named by both, so rebuilds reuse it)."""
    rgb = tuple(float(x) for x in color[:3])
    name = f"{HALO_MATERIAL} a{alpha:.2f} #{_colour_key(rgb)}"
    mat = _get_ours(bpy.data.materials, name)
    if mat is not None:
        return mat
    mat, nodes, links = _new_material(name)
    mat.diffuse_color = (*rgb, float(alpha))
    if hasattr(mat, "surface_render_method"):
        mat.surface_render_method = "BLENDED"
    else:                                                   # Blender 4.2 names
        mat.blend_method = "BLEND"
    em = nodes.new("ShaderNodeEmission")
    em.inputs["Color"].default_value = (*rgb, 1.0)
    clear = nodes.new("ShaderNodeBsdfTransparent")
    mix = nodes.new("ShaderNodeMixShader")
    mix.inputs[0].default_value = float(alpha)
    links.new(clear.outputs[0], mix.inputs[1])
    links.new(em.outputs[0], mix.inputs[2])
    out = nodes.new("ShaderNodeOutputMaterial")
    links.new(mix.outputs[0], out.inputs["Surface"])
    return mat


def image_material(name: str, colors_img, look):
    """Material for an image block drawing scenes/look.cell_look (see _look_tree) with the parameters
    of `look` (spec.look): per-pixel settled colour from the packed image (nearest filtering), t_on from
    the geometry's `t_on` attribute (one per stand-in tile);
    the current frame comes from a driver whose expression is just `frame` (a simple expression: evaluates
    with Python auto-exec off); the "Preview" value node is keyed per block."""
    mat, nodes, links = _new_material(name)
    col = nodes.new("ShaderNodeTexImage")
    col.image, col.interpolation, col.extension = colors_img, "Closest", "EXTEND"
    ton = nodes.new("ShaderNodeAttribute")
    ton.attribute_type, ton.attribute_name = "GEOMETRY", "t_on"
    frame = nodes.new("ShaderNodeValue")
    frame.label = "frame"
    drv = frame.outputs[0].driver_add("default_value").driver
    drv.type, drv.expression = "SCRIPTED", "frame"
    preview = nodes.new("ShaderNodeValue")
    preview.name = preview.label = "Preview"
    params = {}
    for param, value in (("Preview Offset", look.preview_offset), ("Flash Frames", look.flash_frames),
                         ("Lit After", look.lit_after)):
        node = nodes.new("ShaderNodeValue")
        node.name = node.label = param
        node.outputs[0].default_value = float(value)
        params[param] = node.outputs[0]
    for param, rgb in (("Dim", look.dim), ("Flash", look.flash)):
        node = nodes.new("ShaderNodeRGB")
        node.name = node.label = param
        node.outputs[0].default_value = (*rgb, 1.0)
        params[param] = node.outputs[0]
    out_col, glow = _look_tree(nodes, links, frame.outputs[0], preview.outputs[0],
                               ton.outputs["Fac"], col.outputs["Color"], params)
    bsdf = _emissive_surface(nodes, links, out_col, _strength(nodes, links, glow, look.glow_gain))
    bsdf.inputs["Specular IOR Level"].default_value = 0.1      # a big flat quad would mirror the lights
    return mat
