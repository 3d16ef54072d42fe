/**
 * The legs of an itinerary as great circles on a world map: d3-geo draws a LineString between
 * two points along the geodesic, over Natural Earth land shapes (world-atlas, 1:110m) bundled
 * with the app. No tiles, no network. Loaded lazily, after the page itself.
 */
import { geoCentroid, geoGraticule10, geoNaturalEarth1, geoPath } from 'd3-geo';
import type { Feature, FeatureCollection, LineString } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import land110m from 'world-atlas/land-110m.json';

export interface MapLeg {
  from: { code: string; lon: number; lat: number };
  to: { code: string; lon: number; lat: number };
}

const WIDTH = 800;
const HEIGHT = 420;
const PAD = 36;
/** How far in the map may zoom on short legs, relative to the whole world. */
const MAX_ZOOM = 5;

const topology = land110m as unknown as Topology<{ land: GeometryCollection }>;
const LAND = feature(topology, topology.objects.land);
const GRATICULE = geoGraticule10();

export default function RouteMap({ legs, label }: { legs: MapLeg[]; label: string }) {
  const lines: FeatureCollection<LineString> = {
    type: 'FeatureCollection',
    features: legs.map((l): Feature<LineString> => ({
      type: 'Feature',
      properties: {},
      geometry: {
        type: 'LineString',
        coordinates: [
          [l.from.lon, l.from.lat],
          [l.to.lon, l.to.lat],
        ],
      },
    })),
  };
  // Centre the world on the route, so a route across the antimeridian is drawn whole.
  const [lon] = legs.length ? geoCentroid(lines) : [0];
  const projection = geoNaturalEarth1().rotate([-(lon ?? 0), 0]);
  projection.fitExtent(
    [
      [PAD, PAD],
      [WIDTH - PAD, HEIGHT - PAD],
    ],
    { type: 'Sphere' },
  );
  const world = projection.scale();
  if (legs.length) {
    projection.fitExtent(
      [
        [PAD * 2, PAD * 2],
        [WIDTH - PAD * 2, HEIGHT - PAD * 2],
      ],
      lines,
    );
    if (projection.scale() > world * MAX_ZOOM) {
      const centre = projection(geoCentroid(lines))!;
      const [tx, ty] = projection.translate();
      const k = (world * MAX_ZOOM) / projection.scale();
      projection
        .scale(world * MAX_ZOOM)
        .translate([WIDTH / 2 - (centre[0] - tx) * k, HEIGHT / 2 - (centre[1] - ty) * k]);
    }
  }
  const path = geoPath(projection);
  const airports = new Map(
    legs.flatMap(
      (l) =>
        [
          [l.from.code, l.from],
          [l.to.code, l.to],
        ] as const,
    ),
  );

  return (
    <svg
      className="route-map"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="xMidYMid meet"
    >
      <path className="sea" d={path({ type: 'Sphere' }) ?? ''} />
      <path className="graticule" d={path(GRATICULE) ?? ''} />
      <path className="land" d={path(LAND) ?? ''} />
      {lines.features.map((f, i) => (
        <path key={i} className="leg" d={path(f) ?? ''} />
      ))}
      {[...airports.values()].map((a) => {
        const p = projection([a.lon, a.lat]);
        if (!p) return null;
        return (
          <g key={a.code} transform={`translate(${p[0]},${p[1]})`}>
            <circle r={4.5} className="airport" />
            <text y={-9} textAnchor="middle" className="airport-label">
              {a.code}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
