"""The compositor: SMAA anti-aliasing, bloom on colours above 1 (flashing cells) and depth of field that
spares the HUD; each part switched on per render (set_compositing).

    add_glow(scene, hud_depth)

SMAA -> Glare (bloom) -> depth of field (_add_defocus): a blurred copy mixed in by the depth pass around the
camera's focus (its Track To target, camera.py); captions and title cards ride the camera on a plane much
nearer than the subject, so every pixel nearer than that plane (`hud_depth`, with a margin) counts as in
focus: the HUD stays sharp. The focus distance is a driver (the distance between the camera and its
target: a plain variable, evaluated with Python auto-exec off). The output takes the glare straight
unless the render's settings ask for depth of field (set_defocus, from render_look.set_depth_look).
"""
from __future__ import annotations

from . import compat
from .nodes import is_ours, tag

DEFOCUS = "LLM Reel Defocus"         # the mix of sharp and blurred pictures
BLUR = "LLM Reel Blur"
GLARE = "LLM Reel Glare"
SMAA = "LLM Reel SMAA"
FOCUS_SCALE = 600.0         # scene units: at this focus distance, twice as far is half blurred
IN_FOCUS = 0.5              # the factor's offset: no blur while 2 * FOCUS_SCALE / focus * spread < this
HUD_MARGIN = 1.05           # depth below which a pixel belongs to the HUD: this times the HUD plane's


def add_glow(scene, hud_depth: float = 0.0, far_depth: float = 0.0) -> None:
    """Compositor bloom on emission above 1 (only flashing cells) and the HUD-sparing depth of field,
    where this Blender's compositor allows; never replaces a compositor setup the user made."""
    tree = compat.compositor_tree(scene, create=False)
    if tree is not None and (not is_ours(tree) and len(tree.nodes)):
        return
    try:
        tree = compat.compositor_tree(scene, create=True, name="LLMReel Glow v2")
        if not is_ours(tree) and len(tree.nodes):
            return
        tag(tree)
        tree.nodes.clear()
        rl = tree.nodes.new("CompositorNodeRLayers")
        glare = tree.nodes.new("CompositorNodeGlare")
        glare.name = GLARE
        _set_glare(glare)
        if compat.compositor_uses_group_output():
            if not any(i.in_out == "OUTPUT" for i in tree.interface.items_tree if i.item_type == "SOCKET"):
                tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
            out = tree.nodes.new("NodeGroupOutput")
        else:
            out = tree.nodes.new("CompositorNodeComposite")
        smaa = tree.nodes.new("CompositorNodeAntiAliasing")
        smaa.name = SMAA
        smaa.mute = True                        # set_compositing unmutes it for presets that want it
        tree.links.new(rl.outputs["Image"], smaa.inputs[0])
        tree.links.new(smaa.outputs[0], glare.inputs["Image"])
        tree.links.new(glare.outputs["Image"], out.inputs[0])
    except (RuntimeError, KeyError, AttributeError, TypeError):
        return                                                      # glow is optional; the render still works
    if hud_depth > 0 and scene.camera is not None:
        try:
            tree.links.new(_add_defocus(tree, scene, rl, glare.outputs["Image"], hud_depth, far_depth),
                           out.inputs[0])
        except (RuntimeError, KeyError, AttributeError, TypeError):
            pass                                                    # no depth of field on this Blender


def _add_defocus(tree, scene, rl, image, hud_depth: float, far_depth: float):
    """A two-layer depth of field (a true Defocus node costs ~40 CPU seconds per 1080p frame here): the
    picture blurred once (Fast Gaussian, its size set per render) mixed over the sharp one by
        defocus = clamp(2 * FOCUS_SCALE / focus * |depth' - focus| / depth' - IN_FOCUS)
    where depth' is the depth pass with the HUD's pixels (nearer than HUD_MARGIN * hud_depth) and the
    background's (beyond `far_depth`, camera.add_background) moved to the focus: the blurred copy of the
    model must not spill over the empty background around sharp blocks as a halo. The factor follows a
    lens's circle of confusion (|z - F| / z, over F at a fixed f-stop):
    a close-up (focus ~300 units) blurs what lies twice as far fully, a wide shot (2,000+) stays sharp,
    and IN_FOCUS keeps a band around the focus wholly sharp (the subject's labels must stay legible)."""
    nodes, links = tree.nodes, tree.links
    for layer in scene.view_layers:
        layer.use_pass_z = True                 # the Render Layers node has a Depth output only with it
    focus = nodes.new("ShaderNodeValue")
    focus.name = focus.label = "Focus Distance"
    drv = focus.outputs[0].driver_add("default_value").driver
    drv.type = "SUM"
    var = drv.variables.new()
    var.type = "LOC_DIFF"
    track = next((c for c in scene.camera.constraints if c.type == "TRACK_TO" and c.target is not None), None)
    var.targets[0].id = scene.camera
    var.targets[1].id = track.target if track is not None else scene.camera
    f = focus.outputs[0]

    def math(op, a, b, clamp=False):
        n = nodes.new("ShaderNodeMath")
        n.operation = op
        n.use_clamp = clamp
        for i, v in enumerate((a, b)):
            if isinstance(v, (int, float)):
                n.inputs[i].default_value = float(v)
            elif v is not None:
                links.new(v, n.inputs[i])
        return n.outputs[0]

    depth = rl.outputs["Depth"]
    near = math("LESS_THAN", depth, HUD_MARGIN * float(hud_depth))
    if far_depth > 0:
        near = math("MAXIMUM", near, math("GREATER_THAN", depth, float(far_depth)))
    z = math("ADD", depth, math("MULTIPLY", near, math("SUBTRACT", f, depth)))
    spread = math("DIVIDE", math("ABSOLUTE", math("SUBTRACT", z, f), None), z)
    factor = math("SUBTRACT", math("MULTIPLY", spread, math("DIVIDE", 2 * FOCUS_SCALE, f)), IN_FOCUS, clamp=True)
    blur = nodes.new("CompositorNodeBlur")
    blur.name = BLUR
    blur.inputs["Type"].default_value = "Fast Gaussian"
    links.new(image, blur.inputs["Image"])
    mix = nodes.new("ShaderNodeMix")
    mix.name = DEFOCUS
    mix.data_type = "RGBA"
    links.new(factor, mix.inputs["Factor"])
    links.new(image, _sock(mix.inputs, "A_Color"))
    links.new(blur.outputs["Image"], _sock(mix.inputs, "B_Color"))
    return _sock(mix.outputs, "Result_Color")


def _sock(sockets, identifier):
    return next(s for s in sockets if s.identifier == identifier)


def set_compositing(scene, smaa: bool, bloom: bool, blur_px: float) -> None:
    """Switch the parts of our compositor a render wants: SMAA anti-aliasing (cheaper than Workbench's
    own FXAA here), the glare, the depth of field (set_defocus). A muted node passes its picture on."""
    tree = compat.compositor_tree(scene, create=False)
    if tree is None or not is_ours(tree):
        return
    for name, on in ((SMAA, smaa), (GLARE, bloom)):
        node = tree.nodes.get(name)
        if node is not None:
            node.mute = not on
    set_defocus(scene, blur_px)


def set_defocus(scene, blur_px: float) -> None:
    """Depth of field on (blur radius `blur_px` pixels at full defocus) or off (0): the output takes the
    mix or the glare straight."""
    tree = compat.compositor_tree(scene, create=False)
    if tree is None or not is_ours(tree) or tree.nodes.get(DEFOCUS) is None:
        return
    mix, glare, blur = tree.nodes[DEFOCUS], tree.nodes[GLARE], tree.nodes[BLUR]
    out = next(n for n in tree.nodes if n.bl_idname in ("NodeGroupOutput", "CompositorNodeComposite"))
    src = _sock(mix.outputs, "Result_Color") if blur_px > 0 else glare.outputs["Image"]
    tree.links.new(src, out.inputs[0])
    if blur_px > 0:
        blur.inputs["Size"].default_value = (float(blur_px), float(blur_px))
    for layer in scene.view_layers:
        layer.use_pass_z = blur_px > 0 or layer.use_pass_z


def _set_glare(glare) -> None:
    # Quality High: at Medium, Blender 5.0 returns the whole picture through a half-resolution pass (texts
    # and cells came out soft), not only the bloom.
    settings = {"Type": "Bloom", "Quality": "High", "Threshold": 1.0, "Size": 0.5, "Strength": 0.8}
    for name, value in settings.items():
        sock = glare.inputs.get(name)
        if sock is not None and not sock.is_linked:
            try:
                sock.default_value = value
                continue
            except TypeError:
                pass
        attr = {"Type": "glare_type", "Quality": "quality", "Threshold": "threshold", "Size": "size",
                "Strength": "mix"}[name]
        if hasattr(glare, attr):
            setattr(glare, attr, {"Type": "BLOOM", "Quality": "HIGH", "Size": 8, "Strength": 0.0}.get(name, value)
                    if attr in ("glare_type", "quality", "size", "mix") else value)
