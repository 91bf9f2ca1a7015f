/**
 * A graph drawn by Cytoscape from the subset of nodes and edges a view chose to show (filters and
 * expansion live in the view and its URL). Labels are drawn on the canvas as text. The canvas is
 * not keyboard-reachable, so every view that shows a graph also lists its nodes with buttons.
 */
import cytoscape from 'cytoscape';
import { useEffect, useRef } from 'preact/hooks';

/** Width of a graph's PNG in pixels: fixed, so the picture does not follow the viewport or the layout. */
export const GRAPH_PNG_WIDTH = 1600;
/** Largest enlargement of a small graph in its PNG, so three nodes do not fill the picture. */
const GRAPH_PNG_MAX_SCALE = 2;
const GRAPH_PNG_MARGIN = 24;

/**
 * The whole graph (every element, not the part in view) drawn on a white picture of a fixed size,
 * fitted within its margins and centred: the size never depends on the viewport, the container's
 * width or where the layout happened to place the nodes.
 */
async function graphPng(cy: cytoscape.Core, width: number, height: number): Promise<Blob> {
  const box = cy.elements().boundingBox({});
  const room = { w: width - 2 * GRAPH_PNG_MARGIN, h: height - 2 * GRAPH_PNG_MARGIN };
  const scale = Math.min(room.w / Math.max(1, box.w), room.h / Math.max(1, box.h), GRAPH_PNG_MAX_SCALE);
  // maxWidth/maxHeight make Cytoscape draw at exactly this scale, whatever the screen's pixel ratio.
  const drawn = await cy.png({
    output: 'blob-promise',
    full: true,
    maxWidth: Math.max(1, Math.floor(box.w * scale)),
    maxHeight: Math.max(1, Math.floor(box.h * scale)),
  });
  const image = await createImageBitmap(drawn);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  if (g === null) throw new Error('no 2D canvas to draw the graph on');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, width, height);
  g.drawImage(image, Math.round((width - image.width) / 2), Math.round((height - image.height) / 2));
  image.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob === null ? reject(new Error('the graph could not be drawn')) : resolve(blob)),
      'image/png',
    ),
  );
}

export interface GraphNode {
  id: string;
  label: string;
  kind: string;
  /** Drawn with a thick red border (chokepoints, the ranked top). */
  marked?: boolean;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** 0..1: width and opacity of the edge. */
  weight: number;
  label?: string;
}

interface Props {
  label: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  layout?: 'breadthfirst' | 'cose' | 'concentric';
  roots?: string[];
  onSelect?: (id: string) => void;
  /**
   * Receives a function that renders the graph as a PNG of GRAPH_PNG_WIDTH by twice `height`
   * pixels once the graph is drawn, and `undefined` when it is gone.
   */
  onPng?: (png: (() => Promise<Blob>) | undefined) => void;
  height?: number;
}

const KIND_COLORS: Record<string, string> = {
  country: '#1f4e79',
  origin: '#2e7d32',
  upstream: '#b26a00',
  transit: '#6a1b9a',
  case: '#1f4e79',
  indicator: '#00695c',
  infrastructure: '#4e342e',
  technique: '#ad1457',
  actor: '#c62828',
  software: '#37474f',
};

function graphKey(nodes: GraphNode[], edges: GraphEdge[]): string {
  return JSON.stringify([
    nodes.map((n) => [n.id, n.label, n.kind, n.marked === true]),
    edges.map((e) => [e.id, e.source, e.target, e.weight, e.label ?? '']),
  ]);
}

export function Graph({ label, nodes, edges, layout = 'cose', roots, onSelect, onPng, height = 420 }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const select = useRef(onSelect);
  select.current = onSelect;
  useEffect(() => {
    const element = holder.current;
    if (element === null) return;
    const ids = new Set(nodes.map((n) => n.id));
    const cy = cytoscape({
      container: element,
      elements: [
        ...nodes.map((node) => ({
          data: {
            id: node.id,
            label: node.label,
            kind: node.kind,
            color: KIND_COLORS[node.kind] ?? '#455a64',
            marked: node.marked ? 1 : 0,
          },
        })),
        ...edges
          .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
          .map((edge) => ({
            data: {
              id: edge.id,
              source: edge.source,
              target: edge.target,
              weight: Math.max(0, Math.min(1, edge.weight)),
              label: edge.label ?? '',
            },
          })),
      ],
      style: [
        {
          selector: 'node',
          style: {
            'background-color': 'data(color)',
            label: 'data(label)',
            color: '#111',
            'font-size': 11,
            'text-valign': 'bottom',
            'text-margin-y': 3,
            'text-wrap': 'ellipsis',
            'text-max-width': '140px',
            width: 22,
            height: 22,
          },
        },
        {
          selector: 'node[marked = 1]',
          style: { 'border-width': 5, 'border-color': '#d50000', shape: 'diamond', width: 30, height: 30 },
        },
        {
          selector: 'edge',
          style: {
            width: 'mapData(weight, 0, 1, 1, 9)',
            'line-color': '#78909c',
            'target-arrow-color': '#78909c',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
            // Cytoscape's types give opacity as a number only; a mapper string is valid at run time.
            opacity: 'mapData(weight, 0, 1, 0.35, 1)' as unknown as number,
            label: 'data(label)',
            'font-size': 9,
            color: '#333',
            'text-background-color': '#fff',
            'text-background-opacity': 0.8,
          },
        },
      ],
      layout:
        layout === 'breadthfirst'
          ? { name: 'breadthfirst', directed: true, roots: roots, spacingFactor: 1.1, animate: false }
          : { name: layout, animate: false },
      wheelSensitivity: 0.3,
    });
    cy.on('tap', 'node', (event) => select.current?.(event.target.id() as string));
    onPng?.(() => graphPng(cy, GRAPH_PNG_WIDTH, 2 * height));
    return () => {
      onPng?.(undefined);
      cy.destroy();
    };
    // Keyed by content, not identity: a view that rebuilds the same nodes on every render must
    // not redraw (and re-run a random layout) each time.
  }, [graphKey(nodes, edges), layout, roots?.join(','), height]);
  return (
    <div
      class="graph"
      ref={holder}
      style={{ height: `${height}px` }}
      role="img"
      aria-label={`${label}: ${nodes.length} nodes, ${edges.length} edges`}
    />
  );
}
