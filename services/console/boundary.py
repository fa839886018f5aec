"""A commune's outline for the offline IOC map (GeoJSON, boundaries/<commune>.geojson).

No map tiles are fetched (the console works on a LAN without internet): the map draws
this outline and the locations on a blank ground. A commune with a surveyed boundary
replaces its file with it. Bình Lư's is approximate: `python -m services.console.boundary`
derives it from the IOC demo registry's locations (each widened to a circle
of MARGIN_KM, then their convex hull), and says so in its properties."""
import json
import math
from importlib import resources

MARGIN_KM = 1.0
KM_PER_DEGREE = 111.32
CIRCLE_POINTS = 16


def outline(commune: str) -> dict | None:
    """The commune's outline as a GeoJSON Feature, or None if none is shipped."""
    path = resources.files(__package__).joinpath("boundaries", f"{commune}.geojson")
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull, counter-clockwise (Andrew's monotone chain)."""
    points = sorted(set(points))

    def turn(a, b, c):  # > 0: a left turn from a→b to b→c
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    def half(ordered):
        chain = []
        for p in ordered:
            while len(chain) >= 2 and turn(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
        return chain[:-1]
    return half(points) + half(reversed(points))


def derive(name: str, places: list[tuple[float, float]]) -> dict:
    """An approximate outline around (latitude, longitude) places: each widened by
    MARGIN_KM, then their convex hull; a ring of (longitude, latitude), closed."""
    mean_lat = sum(lat for lat, _ in places) / len(places)
    dlat = MARGIN_KM / KM_PER_DEGREE
    dlon = dlat / math.cos(math.radians(mean_lat))
    widened = [(round(lon + dlon * math.cos(a), 5), round(lat + dlat * math.sin(a), 5))
               for lat, lon in places
               for a in (2 * math.pi * k / CIRCLE_POINTS for k in range(CIRCLE_POINTS))]
    ring = [list(p) for p in _hull(widened)]
    return {"type": "Feature",
            "properties": {"name": name, "approximate": True,
                           "source": f"convex hull of the IOC registry's locations, each "
                                     f"widened by {MARGIN_KM:g} km; not a surveyed boundary"},
            "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}}


def from_demo() -> dict:
    """Bình Lư's outline from its IOC demo registry (the file shipped beside)."""
    from services.iocevents import demo
    data = demo.demo()
    places = [(p.latitude, p.longitude) for p in demo.registry(data).locations]
    return derive("Bình Lư", places)


if __name__ == "__main__":  # > services/console/boundaries/binh-lu.geojson
    print(json.dumps(from_demo(), ensure_ascii=False))
