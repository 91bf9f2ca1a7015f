/**
 * A world map coloured by each country's largest dependency (AS hegemony): Natural Earth's
 * 1:110m countries from `world-atlas` (TopoJSON, ISC; Natural Earth is public domain), decoded by
 * `topojson-client`, drawn as SVG paths in the Natural Earth I projection. Each country is a link
 * to its page; its name and top AS reach the DOM as text (an SVG title), never as markup.
 */
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import atlas from 'world-atlas/countries-110m.json';
import isoNumeric from '../data/iso-numeric.json';
import { Downloads } from './Status';
import { useRef, useState } from 'preact/hooks';
import { downloadBlob, downloadCsv, fileName, svgPng, type NamePart } from '../download';
import { fixed } from '../format';
import { href } from '../router';
import type { CountryRank } from '../types';

const WIDTH = 960;
const HEIGHT = 470;
/** Natural Earth features that have no ISO 3166-1 numeric id; XK is the code RIRs use for Kosovo. */
const UNNUMBERED: Record<string, string> = { Kosovo: 'XK' };

/** Natural Earth I (Šavrič, Patterson, Jenny 2011): longitude and latitude in radians to plane units. */
function naturalEarth(lon: number, lat: number): [number, number] {
  const p2 = lat * lat;
  const p4 = p2 * p2;
  const x = lon * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)));
  const y = lat * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)));
  return [x, y];
}

const X_EXTENT = naturalEarth(Math.PI, 0)[0];
const Y_EXTENT = naturalEarth(0, Math.PI / 2)[1];
const SCALE = Math.min(WIDTH / (2 * X_EXTENT), HEIGHT / (2 * Y_EXTENT));

function project([lon, lat]: number[]): string {
  const [x, y] = naturalEarth((lon * Math.PI) / 180, (lat * Math.PI) / 180);
  return `${(WIDTH / 2 + x * SCALE).toFixed(1)},${(HEIGHT / 2 - y * SCALE).toFixed(1)}`;
}

function ringPath(ring: number[][]): string {
  return 'M' + ring.map(project).join('L') + 'Z';
}

export interface MapShape {
  /** ISO 3166-1 alpha-2, or '' when Natural Earth's feature has none. */
  code: string;
  name: string;
  d: string;
}

/** The countries of the atlas as SVG path data, computed once. */
let shapes: MapShape[] | undefined;
export function worldShapes(): MapShape[] {
  if (shapes !== undefined) return shapes;
  const topology = atlas as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries);
  const table = (isoNumeric as { byNumeric: Record<string, string> }).byNumeric;
  shapes = collection.features.map((f) => {
    const name = f.properties?.name ?? '';
    const code = (f.id !== undefined ? table[String(f.id)] : undefined) ?? UNNUMBERED[name] ?? '';
    const g = f.geometry;
    const polygons =
      g === null
        ? []
        : g.type === 'Polygon'
          ? [g.coordinates]
          : g.type === 'MultiPolygon'
            ? g.coordinates
            : [];
    return { code, name, d: polygons.flatMap((rings) => rings.map(ringPath)).join('') };
  });
  return shapes;
}

/** Dependency bands: the legend and the fills. */
export const BANDS: { from: number; label: string; fill: string }[] = [
  { from: 0.9, label: '0.90 – 1.00', fill: '#b2182b' },
  { from: 0.6, label: '0.60 – 0.90', fill: '#ef8a62' },
  { from: 0.3, label: '0.30 – 0.60', fill: '#fddbc7' },
  { from: 0, label: '0.00 – 0.30', fill: '#d1e5f0' },
];
const NO_DATA = '#e6e6e6';

export function bandOf(hegemony: number | undefined): (typeof BANDS)[number] | undefined {
  if (hegemony === undefined) return undefined;
  return BANDS.find((b) => hegemony >= b.from);
}

/** `file`: the view and its state, first in the download names. */
export function WorldMap({
  rows,
  file = ['world-map'],
}: {
  rows: readonly CountryRank[];
  file?: NamePart[];
}) {
  const byCode = new Map(rows.map((r) => [r.country, r]));
  const svg = useRef<SVGSVGElement>(null);
  const [problem, setProblem] = useState('');
  return (
    <>
      <figure class="world-map">
        <svg
          ref={svg}
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="group"
          aria-label="World map: each country coloured by its largest AS dependency"
        >
          {worldShapes().map((shape) => {
            const rank = shape.code === '' ? undefined : byCode.get(shape.code);
            const band = bandOf(rank?.top?.hegemony);
            const title =
              rank === undefined
                ? `${shape.name}: no data`
                : rank.top === undefined
                  ? `${shape.name} (${shape.code}): no AS crossed`
                  : `${shape.name} (${shape.code}): AS${rank.top.asn} ${rank.top.name}, hegemony ${fixed(rank.top.hegemony)}`;
            const path = (
              <path
                d={shape.d}
                fill={band?.fill ?? NO_DATA}
                data-code={shape.code}
                data-band={band?.label ?? 'no data'}
              >
                <title>{title}</title>
              </path>
            );
            if (rank === undefined) return <g key={shape.name}>{path}</g>;
            return (
              <a key={shape.code} href={href('country', shape.code)} aria-label={title}>
                {path}
              </a>
            );
          })}
        </svg>
        <figcaption>
          <span>Largest dependency (hegemony):</span>
          {BANDS.map((b) => (
            <span key={b.label} class="legend-item">
              <span class="swatch" style={{ background: b.fill }} /> {b.label}
            </span>
          ))}
          <span class="legend-item">
            <span class="swatch" style={{ background: NO_DATA }} /> no data
          </span>
          <span class="muted">
            {' '}
            Shapes: Natural Earth 1:110m via world-atlas (ISC); a click opens the country.
          </span>
        </figcaption>
      </figure>
      <Downloads
        of="the world map"
        actions={[
          {
            label: 'Map PNG',
            run: () => {
              if (svg.current === null) return;
              svgPng(svg.current).then(
                (blob) => downloadBlob(fileName(file, 'png'), blob),
                (error: Error) => setProblem(error.message),
              );
            },
          },
          {
            label: 'Map CSV',
            run: () =>
              downloadCsv(
                fileName(file, 'csv'),
                ['country', 'name', 'band', 'top_asn', 'top_name', 'hegemony'],
                worldShapes().map((shape) => {
                  const rank = shape.code === '' ? undefined : byCode.get(shape.code);
                  return [
                    shape.code,
                    shape.name,
                    rank === undefined ? 'no data' : (bandOf(rank.top?.hegemony)?.label ?? 'no AS crossed'),
                    rank?.top?.asn,
                    rank?.top?.name,
                    rank?.top?.hegemony,
                  ];
                }),
              ),
          },
        ]}
      />
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
