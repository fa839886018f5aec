"""The IOC map's outline of Bình Lư: shipped as derived from the demo locations, around
every one of them, and a valid GeoJSON exterior ring."""
from services.console import boundary
from services.iocevents import demo


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: does a horizontal ray from the point cross the ring an odd number
    of times?"""
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def test_the_shipped_outline_is_the_one_derived_from_the_demo_locations():
    assert boundary.outline("binh-lu") == boundary.from_demo()
    assert boundary.outline("binh-lu")["properties"]["approximate"] is True


def test_the_outline_surrounds_every_location_and_is_a_closed_counter_clockwise_ring():
    ring = boundary.outline("binh-lu")["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) > 4
    area2 = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))
    assert area2 > 0  # RFC 7946: exterior rings counter-clockwise
    places = demo.registry(demo.demo()).locations
    assert places and all(_inside(p.longitude, p.latitude, ring) for p in places)
    assert not _inside(103.70, 22.27, ring)  # about 7 km east of the centre


def test_a_commune_without_an_outline_has_none():
    assert boundary.outline("lung-phinh") is None
