"""Geometry of the relationship-house map (after the Gottmans' Sound Relationship House),
drawn as SVG by the app: floors from the ground up, the two walls at the sides."""

from clinic.library.content import HOUSE_FLOORS, HOUSE_WALLS, LAYERS

WIDTH = 360
FLOOR_HEIGHT = 40
WALL_WIDTH = 44
ROOF_HEIGHT = 70


def house_map(counts: dict[str, int], link) -> dict:
    """Plain values for templates/library/_house.html. ``link(layer)`` gives each href."""
    inner_x = WALL_WIDTH
    inner_w = WIDTH - 2 * WALL_WIDTH
    floors_top = ROOF_HEIGHT
    height = floors_top + FLOOR_HEIGHT * len(HOUSE_FLOORS) + 6
    floors = []
    # The top floor sits under the roof; love maps are the ground floor.
    for index, layer in enumerate(reversed(HOUSE_FLOORS)):
        y = floors_top + index * FLOOR_HEIGHT
        floors.append(_part(layer, inner_x, y, inner_w, FLOOR_HEIGHT, counts, link))
    walls_h = FLOOR_HEIGHT * len(HOUSE_FLOORS)
    walls = [
        _part(HOUSE_WALLS[0], 0, floors_top, WALL_WIDTH, walls_h, counts, link, vertical=True),
        _part(
            HOUSE_WALLS[1],
            WIDTH - WALL_WIDTH,
            floors_top,
            WALL_WIDTH,
            walls_h,
            counts,
            link,
            vertical=True,
        ),
    ]
    roof = f"0,{ROOF_HEIGHT} {WIDTH / 2},4 {WIDTH},{ROOF_HEIGHT}"
    return {"width": WIDTH, "height": height, "floors": floors, "walls": walls, "roof": roof}


def _part(layer, x, y, w, h, counts, link, vertical=False):
    count = counts.get(layer, 0)
    return {
        "layer": layer,
        "label": LAYERS[layer],
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "cx": x + w / 2,
        "cy": y + h / 2,
        "href": link(layer),
        "count": count,
        "vertical": vertical,
        "aria": f"{LAYERS[layer]}: {count} handout{'s' if count != 1 else ''}",
    }
