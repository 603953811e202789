"""Limb model files: a generated `LimbMesh` saved as a Panda3D BAM file, and loaded back for rendering.

The BAM holds one GeomNode whose vertex columns are what `render/shaders/skin.vert.glsl` reads
(`vertex`, `normal`, `texcoord`, `joint_indices` / `joint_weights` as four floats each, so GLSL 1.30
sees them as `in vec4`, `nail`, one float: the fingernail/toenail weight, and the skin detail
`skin` (four floats) and `tint` (one), see `skin_detail.py`, and `hinge` (one: the fold a vertex lies
beside, `hinges.py`)).
The node carries a JSON tag `vrtherapy_limb` naming the side, the limb kind
("arm" or "leg"), the joint order the skin weights refer to and the dimensions the mesh was built for;
loading checks it, so a model built for another skeleton fails with one clear line instead of a
silently mangled limb.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from panda3d.core import (
    Filename,
    Geom,
    GeomNode,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    InternalName,
    NodePath,
)

from vrtherapy.errors import ConfigError
from vrtherapy.limbs.limb_mesh import LimbMesh, mirror_mesh
from vrtherapy.motion.leg_skeleton import LEG_JOINTS, LegDimensions, build_leg_skeleton
from vrtherapy.motion.skeleton import ARM_JOINTS, ArmDimensions, Skeleton, build_arm_skeleton
from vrtherapy.resources import models_dir
from vrtherapy.tracking.sample import LimbKind

MODEL_TAG = "vrtherapy_limb"
#: 2: added the `nail` vertex column; 3: `skin`, `tint` and `hinge`. Older files are refused (rebuild them with
#: `vrtherapy models build`).
MODEL_FORMAT_VERSION = 3
_SIDES = ("left", "right")
#: Per limb kind: the joint names its skin weights refer to, and its dimensions type.
_LIMB_KINDS: dict[str, tuple[tuple[str, ...], type]] = {
    "arm": (ARM_JOINTS, ArmDimensions),
    "leg": (LEG_JOINTS, LegDimensions),
}


@dataclass(frozen=True)
class LimbModel:
    """A loaded limb model: its node (not yet in the scene) and what it was built for."""

    node: NodePath
    side: str
    joint_names: tuple[str, ...]
    dimensions: ArmDimensions | LegDimensions
    vertex_count: int
    limb: str = "arm"  #: "arm" or "leg"


def default_model_path(side: str, limb: str = "arm") -> Path:
    return models_dir() / f"{side}_{limb}.bam"


def limb_vertex_format() -> GeomVertexFormat:
    """The registered vertex format of limb meshes (one interleaved array of float32)."""
    array = GeomVertexArrayFormat()
    array.addColumn(InternalName.getVertex(), 3, Geom.NT_float32, Geom.C_point)
    array.addColumn(InternalName.getNormal(), 3, Geom.NT_float32, Geom.C_normal)
    array.addColumn(InternalName.getTexcoord(), 2, Geom.NT_float32, Geom.C_texcoord)
    array.addColumn(InternalName.make("joint_indices"), 4, Geom.NT_float32, Geom.C_other)
    array.addColumn(InternalName.make("joint_weights"), 4, Geom.NT_float32, Geom.C_other)
    array.addColumn(InternalName.make("nail"), 1, Geom.NT_float32, Geom.C_other)
    array.addColumn(InternalName.make("skin"), 4, Geom.NT_float32, Geom.C_other)
    array.addColumn(InternalName.make("tint"), 1, Geom.NT_float32, Geom.C_other)
    array.addColumn(InternalName.make("hinge"), 1, Geom.NT_float32, Geom.C_other)
    return GeomVertexFormat.registerFormat(GeomVertexFormat(array))


def make_geom_node(mesh: LimbMesh, name: str) -> GeomNode:
    """A GeomNode holding `mesh`, filled in bulk through the vertex and index buffers."""
    fmt = limb_vertex_format()
    interleaved = np.concatenate(
        [mesh.vertices, mesh.normals, mesh.uvs, mesh.joint_indices.astype(np.float32), mesh.joint_weights,
         mesh.nail[:, None], mesh.skin, mesh.tint[:, None],
         mesh.hinge[:, None]],
        axis=1,
        dtype=np.float32,
    )
    stride = fmt.getArray(0).getStride()
    if stride != interleaved.shape[1] * 4:
        raise RuntimeError(f"unexpected limb vertex stride {stride}")
    vdata = GeomVertexData(name, fmt, Geom.UH_static)
    vdata.uncleanSetNumRows(mesh.vertex_count)
    memoryview(vdata.modifyArray(0)).cast("B")[:] = np.ascontiguousarray(interleaved).tobytes()

    prim = GeomTriangles(Geom.UH_static)
    prim.setIndexType(Geom.NT_uint32)
    indices = prim.modifyVertices()
    indices.uncleanSetNumRows(mesh.triangle_count * 3)
    memoryview(indices).cast("B")[:] = np.ascontiguousarray(mesh.triangles, dtype=np.uint32).tobytes()
    geom = Geom(vdata)
    geom.addPrimitive(prim)
    node = GeomNode(name)
    node.addGeom(geom)
    return node


def save_limb_model(mesh: LimbMesh, skeleton: Skeleton, path: Path) -> None:
    """Write `mesh` (built for `skeleton`) as a BAM file with its metadata tag."""
    joints, _ = _LIMB_KINDS[skeleton.limb]
    if tuple(skeleton.names) != joints or int(mesh.joint_indices.max()) >= len(skeleton.names):
        raise ValueError("the mesh's joint indices do not fit the skeleton")
    node = make_geom_node(mesh, f"limb-{skeleton.side}-{skeleton.limb}")
    meta = {
        "format": MODEL_FORMAT_VERSION,
        "side": skeleton.side,
        "limb": skeleton.limb,
        "joints": list(skeleton.names),
        "dimensions": asdict(skeleton.dimensions),
    }
    node.setTag(MODEL_TAG, json.dumps(meta))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not NodePath(node).writeBamFile(Filename.fromOsSpecific(str(path))):
        raise OSError(f"{path}: could not write the limb model")


def load_limb_model(path: Path, loader) -> LimbModel:
    """Load a limb model written by `save_limb_model`; ConfigError (one line) when it is unusable."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: limb model file not found (generate it with: vrtherapy models build)")
    try:
        root = loader.loadModel(Filename.fromOsSpecific(str(path)), noCache=True)
    except Exception as exc:  # Panda3D reports unreadable files as a bare IOError/Exception
        raise ConfigError(f"{path}: not a readable Panda3D model ({str(exc).splitlines()[0]})") from None
    if root is None or root.isEmpty():
        raise ConfigError(f"{path}: not a readable Panda3D model")
    tagged = root if root.hasTag(MODEL_TAG) else root.find(f"**/={MODEL_TAG}")
    if tagged.isEmpty():
        raise ConfigError(f"{path}: not a vrtherapy limb model (no '{MODEL_TAG}' tag)")
    meta = _parse_meta(path, tagged.getTag(MODEL_TAG))
    geom_nodes = list(root.findAllMatches("**/+GeomNode")) + ([root] if root.node().isGeomNode() else [])
    vertex_count = 0
    for np_ in geom_nodes:
        for geom in np_.node().getGeoms():
            vdata = geom.getVertexData()
            fmt = vdata.getFormat()
            for column in ("joint_indices", "joint_weights", "nail", "skin", "tint", "hinge"):
                if not fmt.hasColumn(InternalName.make(column)):
                    raise ConfigError(f"{path}: limb mesh lacks the '{column}' vertex column")
            vertex_count += vdata.getNumRows()
    if vertex_count == 0:
        raise ConfigError(f"{path}: limb model holds no geometry")
    return LimbModel(
        node=root,
        side=meta["side"],
        joint_names=tuple(meta["joints"]),
        dimensions=meta["dimensions"],
        vertex_count=vertex_count,
        limb=meta["limb"],
    )


def _parse_meta(path: Path, text: str) -> dict:
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: '{MODEL_TAG}' tag is not valid JSON ({exc.msg})") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{path}: '{MODEL_TAG}' tag is not a JSON object")
    if meta.get("format") != MODEL_FORMAT_VERSION:
        raise ConfigError(
            f"{path}: limb model format {meta.get('format')!r}, expected {MODEL_FORMAT_VERSION} "
            "(regenerate it with: vrtherapy models build)"
        )
    if meta.get("side") not in _SIDES:
        raise ConfigError(f"{path}: limb side {meta.get('side')!r} is not 'left' or 'right'")
    limb = meta.get("limb")
    if limb not in _LIMB_KINDS:
        raise ConfigError(f"{path}: limb kind {limb!r}, expected 'arm' or 'leg'")
    expected_joints, dims_type = _LIMB_KINDS[limb]
    joints = meta.get("joints")
    if not isinstance(joints, list) or tuple(joints) != expected_joints:
        raise ConfigError(f"{path}: the model's joint names do not match this version's {limb} skeleton")
    dims = meta.get("dimensions")
    known = {f.name for f in fields(dims_type)}
    if not isinstance(dims, dict) or not set(dims) <= known:
        raise ConfigError(f"{path}: '{MODEL_TAG}' tag has invalid {limb} dimensions")
    try:
        meta["dimensions"] = dims_type(**{k: _tuples(v) for k, v in dims.items()})
    except TypeError as exc:
        raise ConfigError(f"{path}: '{MODEL_TAG}' tag has invalid {limb} dimensions ({exc})") from None
    return meta


def _tuples(value):
    """JSON lists back to the tuples the dimensions classes hold."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def build_default_models(
    out_dir: Path | None = None, arm_dims: ArmDimensions | None = None, leg_dims: LegDimensions | None = None
) -> list[Path]:
    """Generate and save both sides' arm and leg models; returns the written paths (right arm, left arm,
    right leg, left leg). The left limbs are the right ones mirrored."""
    out_dir = Path(out_dir) if out_dir is not None else models_dir()
    arm_dims = arm_dims or ArmDimensions()
    leg_dims = leg_dims or LegDimensions()
    # The generators (scipy's interpolators, marching cubes) load only here: a session just loads models.
    from vrtherapy.limbs.leg_mesh import generate_leg_mesh
    from vrtherapy.limbs.mesh_generator import generate_arm_mesh

    skeletons: dict[LimbKind, tuple[Skeleton[Any], Skeleton[Any]]] = {
        "arm": (build_arm_skeleton("right", arm_dims), build_arm_skeleton("left", arm_dims)),
        "leg": (build_leg_skeleton("right", leg_dims), build_leg_skeleton("left", leg_dims)),
    }
    paths = []
    for limb, (right_skeleton, left_skeleton) in skeletons.items():
        right = generate_arm_mesh(right_skeleton) if limb == "arm" else generate_leg_mesh(right_skeleton)
        for side, mesh, skeleton in (("right", right, right_skeleton), ("left", mirror_mesh(right), left_skeleton)):
            path = out_dir / f"{side}_{limb}.bam"
            save_limb_model(mesh, skeleton, path)
            paths.append(path)
    return paths
