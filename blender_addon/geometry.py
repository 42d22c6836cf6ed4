"""Cell meshes: one mesh per tensor block, cells as faces, built with foreach_set (never one object per cell).

A block's mesh lives in the block's local frame: cell (r, c) is centred at (c*pitch, 0, -r*pitch), so the
object's location is the block origin. Two cell shapes: a "tile" is one quad facing the camera wall (-Y):
four vertices, two triangles, what the viewport wants (software OpenGL pays per triangle); a "box" is a
slab `depth` thick: the front, top, bottom and sides, each face with four vertices of its own so that a
per-face shade (`vertex_shade`: the front 1, the top lighter than the sides, the bottom darkest) can be
multiplied into the flat colour and the slab reads as an object seen off-axis, in Workbench's flat
lighting as in Cycles. Every cell has vertices of its own (none shared), so per-cell data lives on the
POINT domain (colour attributes must be POINT or CORNER for Workbench): vertex v belongs to cell
v // verts, face f to cell f // faces (row-major over [R, K]); a cell's first four vertices are its front.
"""
from __future__ import annotations

import bpy
import numpy as np

# Unit box corners (x, y, z) in {-.5,.5}^3, index = x + 2y + 4z; faces as corner indices, outward normals
_BOX_CORNERS = np.array([[x, y, z] for z in (-0.5, 0.5) for y in (-0.5, 0.5) for x in (-0.5, 0.5)],
                        dtype=np.float32)                                  # [8, 3]
_BOX_FACES = np.array([[0, 1, 5, 4],      # front  (y = -.5)
                       [4, 5, 7, 6],      # top    (z = +.5)
                       [0, 2, 3, 1],      # bottom (z = -.5)
                       [0, 4, 6, 2],      # left   (x = -.5)
                       [1, 3, 7, 5]],     # right  (x = +.5)
                      dtype=np.int32)                                     # [5, 4]; the back never shows
_TILE_CORNERS = _BOX_CORNERS[[0, 1, 5, 4]]                                # [4, 3] the box's front face
_TILE_FACES = np.array([[0, 1, 2, 3]], dtype=np.int32)                    # [1, 4]
_SLAB_CORNERS = _BOX_CORNERS[_BOX_FACES.ravel()]                          # [20, 3] four per face
_SLAB_FACES = np.arange(20, dtype=np.int32).reshape(5, 4)                 # [5, 4]

SHAPES = {"tile": (_TILE_CORNERS, _TILE_FACES), "box": (_SLAB_CORNERS, _SLAB_FACES)}
# Per face (front, top, bottom, left, right): the share of the cell's colour it shows. Light from above
# and a little from the left; the front keeps the theme's colour exactly (the colour language).
SHADES = {"tile": (1.0,), "box": (1.0, 0.78, 0.42, 0.62, 0.52)}


def verts_per_cell(shape: str) -> int:
    return len(SHAPES[shape][0])


def faces_per_cell(shape: str) -> int:
    return len(SHAPES[shape][1])


def vertex_shade(shape: str) -> np.ndarray:
    """float32 [verts_per_cell]: the shade of each of a cell's vertices (its face's, SHADES)."""
    return np.repeat(np.asarray(SHADES[shape], np.float32), 4)


def cell_centres(rows: int, cols: int, pitch: float, row_pitch: float | None = None) -> np.ndarray:
    """float32 [R*K, 3] local centres, row-major; rows `row_pitch` apart where not `pitch`."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    return np.stack([c * pitch, np.zeros_like(c, dtype=float), -r * (row_pitch or pitch)],
                    axis=1).astype(np.float32)


def build_cell_mesh(name: str, rows: int, cols: int, pitch: float, cell: float, depth: float,
                    shape: str = "tile"):
    """A new mesh with rows*cols cells of `shape` ("tile" or "box"), cell-major; every face flat-shaded."""
    return build_cells_mesh(name, cell_centres(rows, cols, pitch), cell, depth, shape)


def build_cells_mesh(name: str, centres: np.ndarray, cell, depth: float, shape: str = "tile"):
    """A new mesh with a cell of `shape` centred at each of `centres` ([N, 3]), in that order; `cell`: its
    edge, or its (width, height)."""
    if shape not in SHAPES:
        raise ValueError(f"unknown cell shape {shape!r}: choose one of {', '.join(SHAPES)}")
    corners, faces = SHAPES[shape]
    nv, nf_cell = len(corners), len(faces)
    n = len(centres)
    w, h = (cell, cell) if np.isscalar(cell) else cell
    size = np.array([w, depth, h], dtype=np.float32)
    verts = np.asarray(centres, np.float32)[:, None, :] + corners[None] * size        # [N, nv, 3]
    loops = np.arange(n, dtype=np.int32)[:, None, None] * nv + faces[None]            # [N, nf_cell, 4]
    return quads_mesh(name, verts.reshape(-1, 3), loops.reshape(-1, 4))


def build_tile_mesh(name: str, centres: np.ndarray, sizes: np.ndarray):
    """A new mesh of tiles facing -Y: tile i centred at centres[i] ([N, 3]), sizes[i] wide and tall
    (sizes [N] for squares, [N, 2] for (width, height))."""
    sizes = np.asarray(sizes, dtype=np.float32)
    wh = np.stack([sizes, sizes], axis=1) if sizes.ndim == 1 else sizes                  # [N, 2]
    scale = np.stack([wh[:, 0], np.zeros(len(wh), np.float32), wh[:, 1]], axis=1)       # [N, 3]
    verts = centres[:, None, :].astype(np.float32) + _TILE_CORNERS[None] * scale[:, None, :]  # [N, 4, 3]
    return quads_mesh(name, verts.reshape(-1, 3), np.arange(len(centres) * 4, dtype=np.int32).reshape(-1, 4))


def quads_mesh(name: str, verts: np.ndarray, quads: np.ndarray):
    """A new mesh of quads `quads` ([F, 4] vertex indices) over `verts` ([V, 3]), where no two quads share a
    vertex (every cell has its own): edge 4f+i runs from corner i of quad f to corner i+1, so the edges
    need no search. Written straight into the mesh's attributes: ten times faster than vertices.co and
    update(calc_edges=True) for GPT-2's millions of cells."""
    nf, nv = len(quads), len(verts)
    corners = np.ascontiguousarray(quads, dtype=np.int32).reshape(-1)                  # [4F]
    edges = np.stack([quads, np.roll(quads, -1, axis=1)], axis=-1).astype(np.int32)     # [F, 4, 2]
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(nv)
    mesh.edges.add(nf * 4)
    mesh.loops.add(nf * 4)
    mesh.polygons.add(nf)
    at = mesh.attributes
    at["position"].data.foreach_set("vector", np.ascontiguousarray(verts, dtype=np.float32).reshape(-1))
    at[".edge_verts"].data.foreach_set("value", edges.reshape(-1))
    at[".corner_vert"].data.foreach_set("value", corners)
    at[".corner_edge"].data.foreach_set("value", np.arange(nf * 4, dtype=np.int32))
    mesh.polygons.foreach_set("loop_start", np.arange(0, nf * 4, 4, dtype=np.int32))
    mesh.update()
    return mesh


def per_vertex(cell_values: np.ndarray, shape: str) -> np.ndarray:
    """Repeat per-cell values [N, ...] for each of a cell's vertices -> [N*verts_per_cell, ...]."""
    return np.repeat(np.asarray(cell_values), verts_per_cell(shape), axis=0)


def face_to_cell(face_index: int, cols: int, shape: str) -> tuple[int, int]:
    return divmod(face_index // faces_per_cell(shape), cols)
