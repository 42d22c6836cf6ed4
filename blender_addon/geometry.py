"""Cell meshes: one mesh per tensor block, cells as faces, built with foreach_set (never one object per cell).

A block's mesh lives in the block's local frame: cell (r, c) is centred at (c*pitch, 0, -r*pitch), so the
object's location is the block origin. Each cell is a box `cell` wide (X, Z) and `depth` thick (Y) with
FACES_PER_CELL faces and VERTS_PER_CELL vertices of its own (none shared), so per-cell data lives on the
POINT domain (colour attributes must be POINT or CORNER for Workbench): vertex v belongs to cell
v // VERTS_PER_CELL, face f to cell f // FACES_PER_CELL (row-major over [R, K]).
"""
from __future__ import annotations

import bpy
import numpy as np

FACES_PER_CELL = 5     # front (-Y), top, bottom, left, right: the back never faces the camera
VERTS_PER_CELL = 8

# Unit box corners (x, y, z) in {-.5,.5}^3, and the 5 visible faces as corner indices (outward normals)
_CORNERS = np.array([[x, y, z] for z in (-0.5, 0.5) for y in (-0.5, 0.5) for x in (-0.5, 0.5)],
                    dtype=np.float32)                                      # [8, 3]; index = x + 2y + 4z
_FACES = np.array([[0, 1, 5, 4],      # front  (y = -.5)
                   [4, 5, 7, 6],      # top    (z = +.5)
                   [0, 2, 3, 1],      # bottom (z = -.5)
                   [0, 4, 6, 2],      # left   (x = -.5)
                   [1, 3, 7, 5]],     # right  (x = +.5)
                  dtype=np.int32)                                         # [5, 4]


def cell_centres(rows: int, cols: int, pitch: float) -> np.ndarray:
    """float32 [R*K, 3] local centres, row-major."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    return np.stack([c * pitch, np.zeros_like(c, dtype=float), -r * pitch], axis=1).astype(np.float32)


def build_cell_mesh(name: str, rows: int, cols: int, pitch: float, cell: float, depth: float):
    """A new mesh with rows*cols boxes, cell-major; every face flat-shaded."""
    n = rows * cols
    size = np.array([cell, depth, cell], dtype=np.float32)
    verts = cell_centres(rows, cols, pitch)[:, None, :] + _CORNERS[None] * size      # [N, 8, 3]
    loops = (np.arange(n, dtype=np.int32)[:, None, None] * 8 + _FACES[None])          # [N, 5, 4]
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(n * 8)
    mesh.vertices.foreach_set("co", verts.ravel())
    mesh.loops.add(loops.size)
    mesh.loops.foreach_set("vertex_index", loops.ravel())
    nf = n * FACES_PER_CELL
    mesh.polygons.add(nf)
    mesh.polygons.foreach_set("loop_start", np.arange(0, nf * 4, 4, dtype=np.int32))
    mesh.polygons.foreach_set("loop_total", np.full(nf, 4, dtype=np.int32))
    mesh.update(calc_edges=True)
    return mesh


def build_plane_mesh(name: str, rows: int, cols: int, pitch: float, cell: float):
    """One quad covering the block (for image-textured tensors) with UVs mapping pixel (c, R-1-r) to cell (r, c)."""
    half = cell / 2
    x0, x1 = -half, (cols - 1) * pitch + half
    z0, z1 = -(rows - 1) * pitch - half, half
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([(x0, 0, z0), (x1, 0, z0), (x1, 0, z1), (x0, 0, z1)], [], [(0, 1, 2, 3)])
    uv = mesh.uv_layers.new(name="UVMap")
    uv.data.foreach_set("uv", np.array([0, 0, 1, 0, 1, 1, 0, 1], dtype=np.float32))
    mesh.update()
    return mesh


def per_vertex(cell_values: np.ndarray) -> np.ndarray:
    """Repeat per-cell values [N, ...] for each of a cell's vertices -> [N*VERTS_PER_CELL, ...]."""
    return np.repeat(np.asarray(cell_values), VERTS_PER_CELL, axis=0)


def face_to_cell(face_index: int, cols: int) -> tuple[int, int]:
    return divmod(face_index // FACES_PER_CELL, cols)
