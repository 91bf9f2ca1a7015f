/**
 * The AS tables the Country and AS pages both show: upstreams with their shares and the dependency
 * of a space by AS hegemony (chokepoints flagged where the page knows them). One definition, so
 * both pages read the same columns; names from data are text nodes through AsLink.
 */
import { AsLink } from './Links';
import { Table, type Column } from './Table';
import { fixed, percent } from '../format';

interface NamedAs {
  asn: number;
  name: string;
}

/** The AS column: number and name, linked to the AS page. */
export function asColumn<T extends NamedAs>(): Column<T> {
  return {
    key: 'as',
    label: 'AS',
    value: (a) => `AS${a.asn} ${a.name}`,
    render: (a) => <AsLink asn={a.asn} name={a.name} />,
  };
}

/** A share column shown as a percentage. */
export function shareColumn<T extends { share: number }>(): Column<T> {
  return {
    key: 'share',
    label: 'Share',
    numeric: true,
    value: (r) => r.share,
    render: (r) => percent(r.share),
  };
}

export function UpstreamTable({
  caption,
  rows,
}: {
  caption: string;
  rows: readonly (NamedAs & { country: string; share: number })[];
}) {
  return (
    <Table
      caption={caption}
      columns={[asColumn(), { key: 'country', label: 'Country', value: (u) => u.country }, shareColumn()]}
      rows={[...rows]}
      rowKey={(u) => String(u.asn)}
    />
  );
}

export function DependencyTable({
  caption,
  rows,
  chokepoints,
  limit = 30,
}: {
  caption: string;
  rows: readonly (NamedAs & { hegemony: number })[];
  /** When given, a column flags the chokepoints. */
  chokepoints?: readonly number[];
  limit?: number;
}) {
  const columns: Column<NamedAs & { hegemony: number }>[] = [
    asColumn(),
    {
      key: 'hegemony',
      label: 'Hegemony',
      numeric: true,
      value: (d) => d.hegemony,
      render: (d) => fixed(d.hegemony),
    },
  ];
  if (chokepoints !== undefined)
    columns.push({
      key: 'choke',
      label: 'Chokepoint',
      value: (d) => (chokepoints.includes(d.asn) ? 'yes' : ''),
      render: (d) => (chokepoints.includes(d.asn) ? <span class="flag">yes</span> : ''),
    });
  return (
    <Table caption={caption} columns={columns} rows={[...rows]} rowKey={(d) => String(d.asn)} limit={limit} />
  );
}
