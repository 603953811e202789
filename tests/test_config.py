"""TOML -> frozen dataclass validation: every bad file gives one line naming the file and the field."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vrtherapy.config import load_toml, parse_dataclass
from vrtherapy.errors import ConfigError
from vrtherapy.render.scene_spec import LightSpec, SceneSpec, TableSpec, default_scene_path, load_scene

TABLE_KEYS = ", ".join(sorted(f.name for f in dataclasses.fields(TableSpec)))


def _scene_error(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "scene.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scene(path)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    return path, message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[table]\ncolour = [0.5, 0.5, 0.5]', f"table.colour: unknown key (known: {TABLE_KEYS})"),
        ('[table]\nheight = "high"', "table.height: expected a number, got string 'high'"),
        ('[table]\nheight = "0.74"', "table.height: expected a number, got string '0.74'"),
        ("[table]\nheight = true", "table.height: expected a number, got boolean true"),
        ("[table]\nheight = 4.0", "table.height: must be between 0.5 and 1.1, got 4.0"),
        ("[table]\nheight = 4", "table.height: must be between 0.5 and 1.1, got 4.0"),
        ("[table]\nheight = nan", "table.height: expected a finite number, got nan"),
        ("table = 3", "table: expected a table, got integer 3"),
        ("[eye]\nfov_deg = 20", "eye.fov_deg: must be between 40.0 and 110.0, got 20.0"),
        ("[eye]\nposition = [0.0, 1.0]", "eye.position: expected an array of 3 numbers, got array of 2 items"),
        ("[eye]\nposition = 1.2", "eye.position: expected an array of 3 numbers, got number 1.2"),
        ('[eye]\nposition = [0.0, "a", 1.0]', "eye.position[1]: expected a number, got string 'a'"),
        ("[eye]\nlook_at = [0.0, -0.05, 1.2]", "eye.look_at: must differ from position"),
        ("[eye]\nposition = [0.0, -0.05, 9.0]", "eye.position: the eye is outside the room"),
        ("[room]\nwall_color = [0.9, 1.5, 0.8]", "room.wall_color[1]: must be between 0.0 and 1.0, got 1.5"),
        ("[room]\nbehind = 0", "room.behind: must be greater than 0.0, got 0.0"),
        ("[room]\nwidth = 2.0\n[table]\nwidth = 2.5", "table.width: the table (2.5 m) is wider than the room (2.0 m)"),
        (
            '[[lights]]\nkind = "ambient"\n[[lights]]\nkind = "ambient"\n[[lights]]\nkind = "spot"',
            "lights[2].kind: must be one of 'ambient', 'directional', got 'spot'",
        ),
        ("[[lights]]\nkind = 1", "lights[0].kind: must be one of 'ambient', 'directional', got integer 1"),
        ("[[lights]]\ncolor = [1.0, 1.0, 1.0]", "lights[0]: missing required field 'kind'"),
        (
            '[[lights]]\nkind = "ambient"\n[[lights]]\nkind = "directional"\ncolor = [1.0, 1.0, 1.0]',
            "lights[1].direction: a directional light needs a direction [x, y, z]",
        ),
        ('[lights]\nkind = "ambient"', "lights: expected an array of tables, got a table"),
        ('lights = ["ambient"]', "lights[0]: expected a table, got string 'ambient'"),
        ('[[furniture]]\nname = "lamp"\nsize = [1, 1, 1]', "furniture[0]: missing required field 'center'"),
        (
            '[[furniture]]\nname = "lamp"\ncenter = [0, 1, 1]\nsize = [1, 1, 1]\nemissive = 1',
            "furniture[0].emissive: expected true or false, got integer 1",
        ),
        (
            '[[furniture]]\nname = "lamp"\ncenter = [0, 1, 1]\nsize = [1, 0, 1]',
            "furniture[0].size[1]: must be greater than 0.0, got 0.0",
        ),
        (
            '[[furniture]]\nname = "fern"\ncenter = [0, 1, 1]\nsize = [1, 1, 1]\nkind = "fern"',
            "furniture[0].kind: must be one of 'box', 'cabinet', 'shelf', 'chair', 'stool', 'plant', 'window', "
            "'door', 'picture', 'clock', 'lamp', 'rug', 'vase', got 'fern'",
        ),
        (
            '[[furniture]]\nname = "chair"\ncenter = [0, 1, 1]\nsize = [1, 1, 1]\nkind = "chair"\nfacing = "north"',
            "furniture[0].facing: must be one of 'auto', '+x', '-x', '+y', '-y', got 'north'",
        ),
        (
            '[[furniture]]\nname = "pot"\ncenter = [0, 1, 1]\nsize = [1, 1, 1]\nkind = "plant"\ntrim_color = [0.5, 2, 0.5]',
            "furniture[0].trim_color[1]: must be between 0.0 and 1.0, got 2.0",
        ),
        (
            '[[furniture]]\nname = "a"\ncenter = [0, 1, 1]\nsize = [1, 1, 1]\n'
            '[[furniture]]\nname = "cabinet"\ncenter = [1.2, 30.0, 0.4]\nsize = [1, 0.5, 0.8]\nkind = "cabinet"',
            "furniture[1].center: 'cabinet' is outside the room",
        ),
    ],
)
def test_bad_scene_names_file_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path, message = _scene_error(tmp_path, f'name = "test"\n{body}\n')
    assert message == f"{path}: {expected}"


def test_missing_top_level_field(tmp_path: Path) -> None:
    path, message = _scene_error(tmp_path, "[table]\nheight = 0.7\n")
    assert message == f"{path}: missing required field 'name'"


def test_wrong_type_at_top_level(tmp_path: Path) -> None:
    path, message = _scene_error(tmp_path, "name = 3\n")
    assert message == f"{path}: name: expected a string, got integer 3"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as info:
        load_scene(path)
    assert str(info.value) == f"{path}: file not found"


def test_toml_syntax_error_is_one_line(tmp_path: Path) -> None:
    path, message = _scene_error(tmp_path, 'name = "test"\n[table\nheight = 0.7\n')
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 2" in message


def test_duplicate_key_is_a_toml_error(tmp_path: Path) -> None:
    path, message = _scene_error(tmp_path, 'name = "a"\nname = "b"\n')
    assert message.startswith(f"{path}: invalid TOML: ")


def test_shipped_clinic_room_loads() -> None:
    scene = load_scene(default_scene_path())
    assert scene == load_scene()
    assert 0.5 <= scene.table.height <= 1.1
    assert scene.table.near_edge_y > 0
    assert {light.kind for light in scene.lights} == {"ambient", "directional"}
    assert all(isinstance(c, float) for c in scene.eye.position)


def test_minimal_scene_uses_defaults_and_converts_types(tmp_path: Path) -> None:
    path = tmp_path / "scene.toml"
    path.write_text(
        'name = "minimal"\n'
        "[table]\nheight = 1\n"
        "[eye]\nposition = [0, 0, 1]\nfov_deg = 70\n"
        '[[lights]]\nkind = "directional"\ndirection = [0, 0, -1]\n',
        encoding="utf-8",
    )
    scene = load_scene(path)
    assert scene.name == "minimal"
    assert scene.table.height == 1.0 and type(scene.table.height) is float
    assert scene.table == dataclasses.replace(TableSpec(), height=1.0)
    assert scene.eye.position == (0.0, 0.0, 1.0) and all(type(c) is float for c in scene.eye.position)
    assert type(scene.eye.fov_deg) is float
    assert scene.lights == (LightSpec("directional", (1.0, 1.0, 1.0), (0.0, 0.0, -1.0)),)
    assert scene.furniture == ()
    assert scene.room == SceneSpec(name="x").room


# The loader is generic: a schema of its own exercises the types the scene does not use.


@dataclass(frozen=True)
class _Item:
    label: str
    weight: float = 1.0


@dataclass(frozen=True)
class _Generic:
    count: int = field(default=1, metadata={"min": 0, "max": 10})
    flag: bool = False
    ratio: float | None = None
    items: tuple[_Item, ...] = ()
    tags: tuple[str, ...] = ()


def test_generic_round_trip() -> None:
    data = {"count": 3, "flag": True, "ratio": 2, "items": [{"label": "a"}, {"label": "b", "weight": 3}], "tags": ["x"]}
    parsed = parse_dataclass(data, _Generic, "mem.toml")
    assert parsed == _Generic(3, True, 2.0, (_Item("a"), _Item("b", 3.0)), ("x",))
    assert type(parsed.ratio) is float and type(parsed.items[1].weight) is float
    assert parse_dataclass({}, _Generic, "mem.toml") == _Generic()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"count": True}, "count: expected an integer, got boolean true"),
        ({"count": 2.5}, "count: expected an integer, got number 2.5"),
        ({"count": 11}, "count: must be between 0 and 10, got 11"),
        ({"ratio": "1"}, "ratio: expected a number, got string '1'"),
        ({"tags": "x"}, "tags: expected an array of strings, got string 'x'"),
        ({"items": [{"label": "a"}, {"weight": 1.0}]}, "items[1]: missing required field 'label'"),
        ({"items": [{"label": "a", "wieght": 1.0}]}, "items[0].wieght: unknown key (known: label, weight)"),
    ],
)
def test_generic_errors_with_prefix(data: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_dataclass(data, _Generic, "playlist.toml", "sessions[4]")
    assert str(info.value) == f"playlist.toml: sessions[4].{expected}"


def test_load_toml_generic(tmp_path: Path) -> None:
    path = tmp_path / "generic.toml"
    path.write_text('count = 2\n[[items]]\nlabel = "a"\n', encoding="utf-8")
    assert load_toml(path, _Generic) == _Generic(count=2, items=(_Item("a"),))


def test_deeply_nested_scene_is_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    path, message = _scene_error(tmp_path, 'name = "x"\nroom = ' + "{a = " * 350 + "1" + "}" * 350 + "\n")
    assert path.stat().st_size < 2500
    assert message == f"{path}: invalid TOML: tables or arrays nested too deeply"


def test_scene_strings_are_checked_and_furniture_is_counted(tmp_path: Path) -> None:
    _, message = _scene_error(tmp_path, 'name = "Clinic\\u0007"')
    assert message.endswith("name: contains a control character U+0007 at character 7; retype the text without it")
    box = '[[furniture]]\nname = "b"\ncenter = [0.0, 1.0, 0.5]\nsize = [0.1, 0.1, 0.1]\n'
    _, message = _scene_error(tmp_path, 'name = "Clinic"\n' + box * 1001)
    assert message.endswith("furniture: 1001 entries; at most 1000 are allowed")


BROKEN_SCENES = sorted((Path(__file__).parent / "data" / "broken_scenes").glob("*.toml"))


@pytest.mark.parametrize("path", BROKEN_SCENES, ids=lambda p: p.stem)
def test_each_broken_scene_gives_one_clear_line(path: Path) -> None:
    expected = path.read_bytes().split(b"\n")[0].decode("utf-8").removeprefix("# expect: ")
    with pytest.raises(ConfigError) as info:
        load_scene(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ") and expected in message
