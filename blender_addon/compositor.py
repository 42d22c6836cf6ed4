"""The compositor glow: bloom on emission above 1 (only flashing cells).

    add_glow(scene)
"""
from __future__ import annotations

from . import compat
from .nodes import is_ours, tag


def add_glow(scene) -> None:
    """Compositor bloom on emission above 1 (only flashing cells), where this Blender's compositor allows;
    never replaces a compositor setup the user made."""
    tree = compat.compositor_tree(scene, create=False)
    if tree is not None and (not is_ours(tree) and len(tree.nodes)):
        return
    try:
        tree = compat.compositor_tree(scene, create=True, name="LLMReel Glow v1")
        if not is_ours(tree) and len(tree.nodes):
            return
        tag(tree)
        tree.nodes.clear()
        rl = tree.nodes.new("CompositorNodeRLayers")
        glare = tree.nodes.new("CompositorNodeGlare")
        _set_glare(glare)
        if compat.compositor_uses_group_output():
            if not any(i.in_out == "OUTPUT" for i in tree.interface.items_tree if i.item_type == "SOCKET"):
                tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
            out = tree.nodes.new("NodeGroupOutput")
        else:
            out = tree.nodes.new("CompositorNodeComposite")
        tree.links.new(rl.outputs["Image"], glare.inputs["Image"])
        tree.links.new(glare.outputs["Image"], out.inputs[0])
    except (RuntimeError, KeyError, AttributeError, TypeError):
        pass                                                        # glow is optional; the render still works


def _set_glare(glare) -> None:
    settings = {"Type": "Bloom", "Threshold": 1.0, "Size": 0.5, "Strength": 0.8}
    for name, value in settings.items():
        sock = glare.inputs.get(name)
        if sock is not None and not sock.is_linked:
            try:
                sock.default_value = value
                continue
            except TypeError:
                pass
        attr = {"Type": "glare_type", "Threshold": "threshold", "Size": "size", "Strength": "mix"}[name]
        if hasattr(glare, attr):
            setattr(glare, attr, {"Type": "BLOOM", "Size": 8, "Strength": 0.0}.get(name, value)
                    if attr in ("glare_type", "size", "mix") else value)
