"""Node groups and materials, built in Python with versioned names (get-or-create, tagged).

The cell look is ONE mechanism for every engine: a Geometry Nodes modifier reads the point attributes
`t_on` (frame a cell lights) and `settled` (its value colour), compares with the Scene Time node and
stores `Col` (dim -> flash -> settled) and `glow` (1 at the flash, 0 when settled). Workbench shows `Col`
as the colour attribute; Cycles/EEVEE materials read the same attributes. No Python runs at playback.
"""
from __future__ import annotations

import bpy

from . import compat
from .keys import TAG

CELL_LOOK = "LLMReel Cell Look v2"
CELL_MATERIAL = "LLMReel Cell v2"
FLAT_MATERIAL = "LLMReel Flat v1"     # emission of the object's colour (text, paths, frames, flying cells)
BACKING_MATERIAL = "LLMReel Backing v1"


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


def cell_look_group():
    """Geometry Nodes group: inputs Geometry, Preview (0/1, keyed per block), Flash Frames, Dim, Flash;
    the frame comes from the Scene Time node. Per point (six field operations: every one costs on each
    frame change of a live block):
        age  = frame + Preview * 1e12 - t_on        (a preview makes every cell long settled)
        fade = clamp(age / Flash Frames)            0 at the reveal, 1 once settled
        lit  = age > -1e-4
        Col  = mix(Dim, mix(Flash, settled, fade), lit);   glow = clamp(lit - fade)
    t_on is stored clamped to +-1e9 (never / always), so the preview offset always wins."""
    name = CELL_LOOK
    group = _get_ours(bpy.data.node_groups, name)
    if group is not None:
        return group
    group = tag(compat.new_node_group(name))
    iface = group.interface
    iface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    p = iface.new_socket("Preview", in_out="INPUT", socket_type="NodeSocketFloat")
    p.min_value, p.max_value = 0.0, 1.0
    f = iface.new_socket("Flash Frames", in_out="INPUT", socket_type="NodeSocketFloat")
    f.default_value, f.min_value = 12.0, 0.001
    iface.new_socket("Dim", in_out="INPUT", socket_type="NodeSocketColor").default_value = (0.02, 0.02, 0.03, 1)
    iface.new_socket("Flash", in_out="INPUT", socket_type="NodeSocketColor").default_value = (1, 0.9, 0.7, 1)
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

    now = _math(nodes, "MULTIPLY_ADD", gin.outputs["Preview"], 1e12, links)                   # single value
    links.new(frame, now.inputs[2])
    age = _math(nodes, "SUBTRACT", now.outputs[0], t_on.outputs["Attribute"], links)
    fade = _math(nodes, "DIVIDE", age.outputs[0], gin.outputs["Flash Frames"], links)
    fade.use_clamp = True
    lit = _math(nodes, "GREATER_THAN", age.outputs[0], -1e-4, links)
    glow = _math(nodes, "SUBTRACT", lit.outputs[0], fade.outputs[0], links)
    glow.use_clamp = True
    lit_col = _mix_color(nodes, links, fade.outputs[0], gin.outputs["Flash"], settled.outputs["Attribute"])
    col = _mix_color(nodes, links, lit.outputs[0], gin.outputs["Dim"], lit_col)

    store_col = nodes.new("GeometryNodeStoreNamedAttribute")
    store_col.data_type, store_col.domain = "FLOAT_COLOR", "POINT"
    store_col.inputs["Name"].default_value = "Col"
    store_glow = nodes.new("GeometryNodeStoreNamedAttribute")
    store_glow.data_type, store_glow.domain = "FLOAT", "POINT"
    store_glow.inputs["Name"].default_value = "glow"
    links.new(gin.outputs["Geometry"], store_col.inputs["Geometry"])
    links.new(col, store_col.inputs["Value"])
    links.new(store_col.outputs["Geometry"], store_glow.inputs["Geometry"])
    links.new(glow.outputs[0], store_glow.inputs["Value"])
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


def cell_material():
    """Reads the GN-stored `Col` and `glow`: emission 1 when settled, up to 4 at the flash (compositor glare
    threshold sits above 1, so only flashing cells bloom)."""
    mat = _get_ours(bpy.data.materials, CELL_MATERIAL)
    if mat is not None:
        return mat
    mat, nodes, links = _new_material(CELL_MATERIAL)
    col = nodes.new("ShaderNodeAttribute")
    col.attribute_type, col.attribute_name = "GEOMETRY", "Col"
    glow = nodes.new("ShaderNodeAttribute")
    glow.attribute_type, glow.attribute_name = "GEOMETRY", "glow"
    strength = _math(nodes, "MULTIPLY_ADD", glow.outputs["Fac"], 3.0, links)
    strength.inputs[2].default_value = 1.0
    _emissive_surface(nodes, links, col.outputs["Color"], strength.outputs[0])
    return mat


def flat_material(color):
    """Unlit colour (text, paths, frames, flying cells): emission in Cycles/EEVEE, and the same colour as
    the material's viewport colour, which Workbench shows for objects without a colour attribute.
    One material per distinct colour (name carries the colour, so rebuilds reuse it)."""
    rgb = tuple(float(x) for x in color[:3])
    name = f"{FLAT_MATERIAL} #" + "".join(f"{min(max(int(round(x * 1e4)), 0), 99999):05d}" for x in rgb)
    mat = _get_ours(bpy.data.materials, name)
    if mat is not None:
        return mat
    mat, nodes, links = _new_material(name)
    mat.diffuse_color = (*rgb, 1.0)
    em = nodes.new("ShaderNodeEmission")
    em.inputs["Color"].default_value = (*rgb, 1.0)
    em.inputs["Strength"].default_value = 1.0
    out = nodes.new("ShaderNodeOutputMaterial")
    links.new(em.outputs[0], out.inputs["Surface"])
    return mat


def image_material(name: str, colors_img, t_on_img, dim, flash, flash_frames: float):
    """Material for an image-plane block: per-pixel settled colour and t_on from two packed images
    (nearest filtering); the current frame comes from a driver whose expression is just `frame`
    (a simple expression: evaluates with Python auto-exec off)."""
    mat, nodes, links = _new_material(name)
    col = nodes.new("ShaderNodeTexImage")
    col.image, col.interpolation, col.extension = colors_img, "Closest", "EXTEND"
    ton = nodes.new("ShaderNodeTexImage")
    ton.image, ton.interpolation, ton.extension = t_on_img, "Closest", "EXTEND"
    frame = nodes.new("ShaderNodeValue")
    frame.label = "frame"
    drv = frame.outputs[0].driver_add("default_value").driver
    drv.type, drv.expression = "SCRIPTED", "frame"
    preview = nodes.new("ShaderNodeValue")
    preview.name = preview.label = "Preview"
    age = _math(nodes, "SUBTRACT", frame.outputs[0], _sep_r(nodes, links, ton.outputs["Color"]), links)
    computed = _math(nodes, "GREATER_THAN", age.outputs[0], -1e-4, links)
    lit = _math(nodes, "MAXIMUM", computed.outputs[0], preview.outputs[0], links)
    fade = _math(nodes, "DIVIDE", age.outputs[0], max(flash_frames, 1e-3), links)
    fade.use_clamp = True
    settle = _math(nodes, "MAXIMUM", fade.outputs[0], preview.outputs[0], links)
    flash_rgb = nodes.new("ShaderNodeRGB")
    flash_rgb.outputs[0].default_value = (*flash, 1.0)
    dim_rgb = nodes.new("ShaderNodeRGB")
    dim_rgb.outputs[0].default_value = (*dim, 1.0)
    lit_col = _mix_color(nodes, links, settle.outputs[0], flash_rgb.outputs[0], col.outputs["Color"])
    out_col = _mix_color(nodes, links, lit.outputs[0], dim_rgb.outputs[0], lit_col)
    glow = _math(nodes, "MULTIPLY", computed.outputs[0],
                 _math(nodes, "SUBTRACT", 1.0, settle.outputs[0], links).outputs[0], links)
    strength = _math(nodes, "MULTIPLY_ADD", glow.outputs[0], 3.0, links)
    strength.inputs[2].default_value = 1.0
    bsdf = _emissive_surface(nodes, links, out_col, strength.outputs[0])
    bsdf.inputs["Specular IOR Level"].default_value = 0.1      # a big flat quad would mirror the lights
    return mat


def _sep_r(nodes, links, color_out):
    sep = nodes.new("ShaderNodeSeparateColor")
    links.new(color_out, sep.inputs[0])
    return sep.outputs[0]
